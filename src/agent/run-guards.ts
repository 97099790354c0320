import type { TesseraErrorJSON } from '../errors.ts';
import type { Usage } from './events.ts';

/**
 * Notices a model going round in circles: the same tool failing with the same error code and message
 * `maxRepeats` times in a row. Any other outcome in between (a success, another tool, another error)
 * starts the count again, so a model that is making progress, even by failing differently, goes on.
 */
export function createRepeatWatch(maxRepeats: number) {
  let lastKey: string | null = null;
  let count = 0;
  return {
    /**
     * Records one tool call's outcome (in the order the calls ran). Returns the message the run ends
     * with when this failure is the `maxRepeats`-th identical one in a row; null otherwise.
     */
    record(tool: string, error: TesseraErrorJSON | null): string | null {
      if (!error) {
        lastKey = null;
        count = 0;
        return null;
      }
      const key = JSON.stringify([tool, error.code, error.message]);
      count = key === lastKey ? count + 1 : 1;
      lastKey = key;
      if (count < maxRepeats) return null;
      return `The run stopped because it was stuck: ${tool} failed ${count} times in a row with the same error (${error.code}: ${error.message}). Every change made so far is committed; fix the cause or rephrase the request and send another prompt.`;
    },
  };
}

/**
 * Characters per token assumed until the model has reported usage: the usual rule of thumb for
 * English text and code with OpenAI-style tokenizers.
 */
const DEFAULT_CHARS_PER_TOKEN = 4;

/**
 * Keeps a run within `maxTokens` (prompt + completion, as the model reports them). Before each model
 * call it predicts that call's tokens: the request's size in characters divided by the characters per
 * prompt token of the previous call (4 before the first), plus as many completion tokens as the
 * previous call produced. If the tokens used so far plus that prediction would pass the budget, the
 * call is not made. A call whose server reports no usage counts as its prediction, so such a server
 * is bounded too.
 */
export function createTokenBudget(maxTokens: number | null) {
  let charsPerToken = DEFAULT_CHARS_PER_TOKEN;
  let lastCompletionTokens = 0;
  let spent = 0;
  let estimated = false;
  const predict = (requestChars: number): number => Math.ceil(requestChars / charsPerToken) + lastCompletionTokens;
  return {
    /** Null when the next call, of this many characters, fits the budget; otherwise the message the run ends with. */
    check(requestChars: number): string | null {
      if (maxTokens === null) return null;
      const next = predict(requestChars);
      if (spent + next <= maxTokens) return null;
      const counted = estimated ? ' (estimated in part: the model server did not report its usage)' : '';
      return `The run stopped at its token budget: it used ${spent} tokens${counted} of the ${maxTokens} one run may use (AGENT_MAX_TOKENS), and the next model call would need about ${next} more. Every change made so far is committed; send another prompt to continue.`;
    },
    /** Counts one call, and learns from its reported usage how this model counts what it is sent. */
    observe(requestChars: number, usage: Usage): void {
      if (usage.promptTokens === 0 && usage.completionTokens === 0) {
        spent += predict(requestChars);
        estimated = true;
        return;
      }
      spent += usage.promptTokens + usage.completionTokens;
      if (usage.promptTokens > 0) charsPerToken = requestChars / usage.promptTokens;
      lastCompletionTokens = usage.completionTokens;
    },
  };
}
