/**
 * SQLite-aware lexing and statement splitting. The lexer follows SQLite's own tokenizer closely
 * enough that the policy check (policy.ts) sees the same keywords SQLite will: comments are dropped,
 * string literals and quoted identifiers become single tokens, and bytes >= 0x80 are identifier
 * characters (as in SQLite, so a non-ASCII space glues words together rather than separating them).
 */

export interface Token {
  /** word/quoted: upper-cased name; string: the unescaped literal; punct: the character; param: as written. */
  text: string;
  kind: 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct';
  /** Offsets into the source: [start, end). */
  start: number;
  end: number;
}

// SQLite's whitespace is exactly these five characters.
const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\f' || ch === '\r';
const isIdChar = (ch: string | undefined): boolean => ch !== undefined && (/[A-Za-z0-9_$]/.test(ch) || ch.charCodeAt(0) > 127);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/** End offset of a quoted token opened at `start` (one past the closing quote, or the input's end). */
function quotedEnd(sql: string, start: number): number {
  const open = sql[start]!;
  const close = open === '[' ? ']' : open;
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === close) {
      // A doubled quote is an escaped quote; `[...]` has no escape.
      if (close !== ']' && sql[i + 1] === close) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** Splits SQL into tokens, dropping whitespace and comments. Unterminated constructs run to the end. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const start = i;
    if (isSpace(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      i = quotedEnd(sql, i);
      const closed = i - start >= 2 && sql[i - 1] === (ch === '[' ? ']' : ch);
      const inner = sql.slice(start + 1, closed ? i - 1 : i);
      const text = ch === '[' ? inner : inner.split(ch + ch).join(ch);
      tokens.push(ch === "'" ? { text, kind: 'string', start, end: i } : { text: text.toUpperCase(), kind: 'quoted', start, end: i });
    } else if ((ch === '?' || ch === ':' || ch === '@' || ch === '$' || ch === '#') && (isIdChar(sql[i + 1]) || ch === '?')) {
      i++;
      while (isIdChar(sql[i])) i++;
      tokens.push({ text: sql.slice(start, i), kind: 'param', start, end: i });
    } else if (isDigit(ch) || (ch === '.' && isDigit(sql[i + 1]))) {
      while (isIdChar(sql[i]) || sql[i] === '.') i++;
      tokens.push({ text: sql.slice(start, i), kind: 'number', start, end: i });
    } else if (isIdChar(ch)) {
      while (isIdChar(sql[i])) i++;
      tokens.push({ text: sql.slice(start, i).toUpperCase(), kind: 'word', start, end: i });
    } else {
      i++;
      tokens.push({ text: ch, kind: 'punct', start, end: i });
    }
  }
  return tokens;
}

/*
 * sqlite3_complete()'s state machine (complete.c), over our tokens. A ';' ends a statement only
 * when it moves the machine to START: inside `CREATE [TEMP] TRIGGER ... BEGIN` a ';' does not, and
 * the trigger ends at the first `; END ;` (CASE ... END inside the body never follows a ';').
 */
const enum State { Start, Normal, Explain, Create, Trigger, Semi, End }
const enum Class { Semi, Other, Explain, Create, Temp, Trigger, End }
const TRANSITIONS: Record<State, Record<Class, State>> = {
  //                 SEMI         OTHER          EXPLAIN        CREATE         TEMP           TRIGGER        END
  [State.Start]:   [State.Start, State.Normal,  State.Explain, State.Create,  State.Normal,  State.Normal,  State.Normal],
  [State.Normal]:  [State.Start, State.Normal,  State.Normal,  State.Normal,  State.Normal,  State.Normal,  State.Normal],
  [State.Explain]: [State.Start, State.Explain, State.Normal,  State.Create,  State.Normal,  State.Normal,  State.Normal],
  [State.Create]:  [State.Start, State.Normal,  State.Normal,  State.Normal,  State.Create,  State.Trigger, State.Normal],
  [State.Trigger]: [State.Semi,  State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger],
  [State.Semi]:    [State.Semi,  State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.End],
  [State.End]:     [State.Start, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger],
};

function classify(token: Token): Class {
  if (token.kind === 'punct' && token.text === ';') return Class.Semi;
  if (token.kind !== 'word') return Class.Other;
  switch (token.text) {
    case 'EXPLAIN': return Class.Explain;
    case 'CREATE': return Class.Create;
    case 'TEMP': case 'TEMPORARY': return Class.Temp;
    case 'TRIGGER': return Class.Trigger;
    case 'END': return Class.End;
    default: return Class.Other;
  }
}

/**
 * Splits a script into statements, the way sqlite3_complete() decides where one ends: semicolons
 * inside strings, quoted identifiers (`"..."`, `` `...` ``, `[...]`), comments and
 * `CREATE TRIGGER ... BEGIN ... END` bodies do not split. Each statement is trimmed and has no
 * trailing ';'; it keeps comments before and inside it but ends at its last token, so joining the
 * result with ';' always yields the same statements again. Empty statements are dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let state = State.Start;
  let from = 0;
  let last: Token | null = null;
  const flush = (): void => {
    if (last) statements.push(sql.slice(from, last.end).trim());
    last = null;
  };
  for (const token of tokenize(sql)) {
    const cls = classify(token);
    state = TRANSITIONS[state][cls];
    if (cls === Class.Semi && state === State.Start) {
      flush();
      from = token.end;
    } else {
      last = token;
    }
  }
  flush();
  return statements;
}
