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

// Character classes by code unit, so the lexer touches each character once without regular
// expressions or one-character strings (it runs on every SQL text a tenant sends, up to SQL_MAX_BYTES).
const SPACE = 1;
const ID = 2;
const DIGIT = 4;
const CLASS = new Uint8Array(128);
// SQLite's whitespace is exactly these five characters.
for (const ch of ' \t\n\f\r') CLASS[ch.charCodeAt(0)] = SPACE;
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_$]/.test(ch)) CLASS[c] = ID;
  if (/[0-9]/.test(ch)) CLASS[c] = ID | DIGIT;
}
/** Code units >= 0x80 are identifier characters, as SQLite treats bytes >= 0x80. NaN (past the end) is none. */
const classOf = (code: number): number => (code < 128 ? CLASS[code]! : code >= 128 ? ID : 0);
const isIdCode = (code: number): boolean => (classOf(code) & ID) !== 0;
const isDigitCode = (code: number): boolean => (classOf(code) & DIGIT) !== 0;

const QUOTE = 39; // '
const DQUOTE = 34; // "
const BACKTICK = 96; // `
const BRACKET = 91; // [
const CLOSE_BRACKET = 93; // ]

/** End offset of a quoted token opened at `start` (one past the closing quote, or the input's end). */
function quotedEnd(sql: string, start: number): number {
  const open = sql.charCodeAt(start);
  const close = open === BRACKET ? CLOSE_BRACKET : open;
  let i = start + 1;
  for (;;) {
    const at = sql.indexOf(String.fromCharCode(close), i);
    if (at === -1) return sql.length;
    // A doubled quote is an escaped quote; `[...]` has no escape.
    if (close !== CLOSE_BRACKET && sql.charCodeAt(at + 1) === close) i = at + 2;
    else return at + 1;
  }
}

/** Splits SQL into tokens, dropping whitespace and comments. Unterminated constructs run to the end. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const length = sql.length;
  let i = 0;
  while (i < length) {
    const code = sql.charCodeAt(i);
    const cls = classOf(code);
    const start = i;
    if (cls & SPACE) {
      i++;
    } else if (code === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? length : end + 1;
    } else if (code === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? length : end + 2;
    } else if (code === QUOTE || code === DQUOTE || code === BACKTICK || code === BRACKET) {
      i = quotedEnd(sql, i);
      const closer = code === BRACKET ? CLOSE_BRACKET : code;
      const closed = i - start >= 2 && sql.charCodeAt(i - 1) === closer;
      const inner = sql.slice(start + 1, closed ? i - 1 : i);
      const quote = String.fromCharCode(code);
      const text = code === BRACKET || !inner.includes(quote) ? inner : inner.split(quote + quote).join(quote);
      tokens.push(code === QUOTE ? { text, kind: 'string', start, end: i } : { text: text.toUpperCase(), kind: 'quoted', start, end: i });
    } else if (code === 63 /* ? */) {
      // As SQLite: `?NNN` takes digits only, so in `?1ATTACH` the word ATTACH is a token of its own.
      i++;
      while (isDigitCode(sql.charCodeAt(i))) i++;
      tokens.push({ text: sql.slice(start, i), kind: 'param', start, end: i });
    } else if ((code === 58 /* : */ || code === 64 /* @ */ || code === 36 /* $ */ || code === 35) /* # */ && isIdCode(sql.charCodeAt(i + 1))) {
      // `:name`, `@name`, `$name` take identifier characters (this SQLite build has no Tcl `$a(...)` form).
      i++;
      while (isIdCode(sql.charCodeAt(i))) i++;
      tokens.push({ text: sql.slice(start, i), kind: 'param', start, end: i });
    } else if (cls & DIGIT || (code === 46 /* . */ && isDigitCode(sql.charCodeAt(i + 1)))) {
      while (isIdCode(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46) i++;
      tokens.push({ text: sql.slice(start, i), kind: 'number', start, end: i });
    } else if (cls & ID) {
      while (isIdCode(sql.charCodeAt(i))) i++;
      tokens.push({ text: sql.slice(start, i).toUpperCase(), kind: 'word', start, end: i });
    } else {
      i++;
      tokens.push({ text: sql[start]!, kind: 'punct', start, end: i });
    }
  }
  return tokens;
}

/*
 * sqlite3_complete()'s state machine (complete.c), over our tokens. A ';' ends a statement only
 * when it moves the machine to START: inside `CREATE [TEMP] TRIGGER ... BEGIN` a ';' does not, and
 * the trigger ends at the first `; END ;` (CASE ... END inside the body never follows a ';').
 */
enum State {
  Start,
  Normal,
  Explain,
  Create,
  Trigger,
  Semi,
  End,
}
enum Class {
  Semi,
  Other,
  Explain,
  Create,
  Temp,
  Trigger,
  End,
}
const TRANSITIONS: Record<State, Record<Class, State>> = {
  //                 SEMI         OTHER          EXPLAIN        CREATE         TEMP           TRIGGER        END
  [State.Start]: [State.Start, State.Normal, State.Explain, State.Create, State.Normal, State.Normal, State.Normal],
  [State.Normal]: [State.Start, State.Normal, State.Normal, State.Normal, State.Normal, State.Normal, State.Normal],
  [State.Explain]: [State.Start, State.Explain, State.Normal, State.Create, State.Normal, State.Normal, State.Normal],
  [State.Create]: [State.Start, State.Normal, State.Normal, State.Normal, State.Create, State.Trigger, State.Normal],
  [State.Trigger]: [State.Semi, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger],
  [State.Semi]: [State.Semi, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.End],
  [State.End]: [State.Start, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger, State.Trigger],
};

function classify(token: Token): Class {
  if (token.kind === 'punct' && token.text === ';') return Class.Semi;
  if (token.kind !== 'word') return Class.Other;
  switch (token.text) {
    case 'EXPLAIN':
      return Class.Explain;
    case 'CREATE':
      return Class.Create;
    case 'TEMP':
    case 'TEMPORARY':
      return Class.Temp;
    case 'TRIGGER':
      return Class.Trigger;
    case 'END':
      return Class.End;
    default:
      return Class.Other;
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
