/**
 * A token estimate without a model's tokenizer (each model has its own; a local model's is not
 * known here). It follows how BPE tokenizers split text: a word of up to six letters is one token and
 * a longer one about one per six letters, digits go in threes, punctuation and symbols are about one token
 * each, and a character outside ASCII letters (CJK, emoji) is about one token. Code and JSON, dense
 * with punctuation, come out at more tokens per character than prose, as they do for real tokenizers.
 */
const PIECES = /[A-Za-z]+|\d+|\s+|[^\sA-Za-z\d]/g;

export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(PIECES)) {
    const first = piece.charCodeAt(0);
    if (first === 32 || first === 9 || first === 10 || first === 13) tokens += piece.length > 4 ? 1 : 0;
    else if (first >= 48 && first <= 57) tokens += Math.ceil(piece.length / 3);
    else if ((first >= 65 && first <= 90) || (first >= 97 && first <= 122)) tokens += Math.ceil(piece.length / 6);
    else tokens += 1;
  }
  return tokens;
}
