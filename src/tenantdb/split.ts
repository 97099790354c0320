/**
 * SQLite-aware statement splitting and tokenizing, modelled on `sqlite3_complete()`: semicolons
 * inside strings, quoted identifiers, comments and `CREATE TRIGGER ... BEGIN ... END` bodies do not
 * end a statement.
 */

export interface Token {
  /** Upper-cased word, or the punctuation character. Strings and comments are not tokens. */
  text: string;
  kind: 'word' | 'quoted' | 'punct' | 'string';
}

/** If a comment starts at `i`, the index just past it; otherwise null. */
function skipComment(sql: string, i: number): number | null {
  if (sql[i] === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end + 1;
  }
  if (sql[i] === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  return null;
}

/** If a quoted string or identifier ('..', "..", `..`, [..]) starts at `i`, the index of its closing quote. */
function closingQuote(sql: string, i: number): number | null {
  const open = sql[i];
  if (open !== "'" && open !== '"' && open !== '`' && open !== '[') return null;
  const close = open === '[' ? ']' : open;
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] !== close) j++;
    else if (close !== ']' && sql[j + 1] === close) j += 2;
    else break;
  }
  return j;
}

/** Splits SQL into tokens, dropping comments; string literals become one 'string' token. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const afterComment = skipComment(sql, i);
    const quoteEnd = closingQuote(sql, i);
    if (/\s/.test(ch)) {
      i++;
    } else if (afterComment !== null) {
      i = afterComment;
    } else if (quoteEnd !== null) {
      const j = quoteEnd;
      const inner = sql.slice(i + 1, j);
      tokens.push(ch === "'" ? { text: inner, kind: 'string' } : { text: inner.toUpperCase(), kind: 'quoted' });
      i = j + 1;
    } else if (/[A-Za-z0-9_$]/.test(ch) || ch.charCodeAt(0) > 127) {
      let j = i + 1;
      while (j < sql.length && (/[A-Za-z0-9_$]/.test(sql[j]!) || sql.charCodeAt(j) > 127)) j++;
      tokens.push({ text: sql.slice(i, j).toUpperCase(), kind: 'word' });
      i = j;
    } else {
      tokens.push({ text: ch, kind: 'punct' });
      i++;
    }
  }
  return tokens;
}

/** Index of the ';' ending the statement that starts at `start`, or sql.length. */
function statementEnd(sql: string, start: number): number {
  let i = start;
  let words = 0;
  let first = '';
  // 0: ordinary statement; 1: CREATE [TEMP] TRIGGER header; 2: inside its BEGIN ... END body.
  let trigger = 0;
  let caseDepth = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const afterComment = skipComment(sql, i);
    const quoteEnd = closingQuote(sql, i);
    if (afterComment !== null) {
      i = afterComment;
    } else if (quoteEnd !== null) {
      i = quoteEnd + 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      const word = sql.slice(i, j).toUpperCase();
      words++;
      if (words === 1) first = word;
      if (trigger === 0 && first === 'CREATE' && word === 'TRIGGER' && words <= 3) trigger = 1;
      else if (trigger === 1 && word === 'BEGIN') trigger = 2;
      else if (trigger === 2 && word === 'CASE') caseDepth++;
      else if (trigger === 2 && word === 'END') {
        if (caseDepth > 0) caseDepth--;
        else trigger = 0;
      }
      i = j;
    } else if (ch === ';' && trigger !== 2) {
      return i;
    } else i++;
  }
  return sql.length;
}

/** Splits a script into statements (trimmed, without the trailing ';'); empty ones are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  while (start < sql.length) {
    const end = statementEnd(sql, start);
    const statement = sql.slice(start, end).trim();
    if (tokenize(statement).length > 0) statements.push(statement);
    start = end + 1;
  }
  return statements;
}
