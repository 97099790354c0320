import { TesseraError } from '../errors.ts';
import { tokenize, type Token } from './split.ts';

/**
 * Where SQL comes from decides what it may do:
 * - `schema`: the updateDatabaseSchema tool (DDL, plus INSERT/UPDATE/DELETE/REPLACE for seed data
 *   and SQLite's copy-table migrations);
 * - `function`: tenant functions through `@tessera/db` (queries and data changes, plus the harmless
 *   `CREATE TABLE/INDEX IF NOT EXISTS`);
 * - `readonly`: inspection (SELECT, WITH, EXPLAIN).
 * Some things are refused in every mode: they reach other files, native code, or the platform's
 * control of transactions and engine settings. SQL comes from a model or tenant code, so the check
 * trusts no sender; it runs on tokens, so comments and odd spacing cannot hide a keyword and words
 * inside string literals are not mistaken for one.
 */
export type SqlMode = 'schema' | 'function' | 'readonly';

const TRANSACTION_HINT =
  'the platform owns transactions: each call already runs atomically on its own, and an updateDatabaseSchema call is applied all-or-nothing. Remove the statement; to change several rows atomically use one statement (INSERT ... SELECT, UPDATE ... FROM, a CTE) or a trigger';
const REFUSED_VERBS: Record<string, string> = {
  ATTACH: 'ATTACH is not allowed: each app has exactly one database and ATTACH would open other database files. Keep all tables in this database',
  DETACH: 'DETACH is not allowed: attaching databases is not possible here. Remove the statement',
  VACUUM: 'VACUUM (and VACUUM INTO) is not allowed: it rewrites or copies the database file, which the platform maintains itself. Remove the statement',
  PRAGMA:
    "PRAGMA is not allowed: the platform sets the engine's pragmas itself (WAL journal, foreign keys ON). Remove the statement; to inspect a table's columns SELECT from pragma_table_info('name')",
  BEGIN: `BEGIN is not allowed: ${TRANSACTION_HINT}`,
  COMMIT: `COMMIT is not allowed: ${TRANSACTION_HINT}`,
  END: `END (TRANSACTION) is not allowed: ${TRANSACTION_HINT}`,
  ROLLBACK: `ROLLBACK is not allowed: ${TRANSACTION_HINT}`,
  SAVEPOINT: `SAVEPOINT is not allowed: ${TRANSACTION_HINT}`,
  RELEASE: `RELEASE is not allowed: ${TRANSACTION_HINT}`,
};
/** These can only act as the statement's verb; anywhere else they are refused to be safe. */
const REFUSED_WORDS = new Set(['ATTACH', 'DETACH', 'VACUUM', 'PRAGMA']);
const REFUSED_FUNCTIONS: Record<string, string> = {
  LOAD_EXTENSION: 'loads native code into the database engine',
  READFILE: 'reads files from the server',
  WRITEFILE: 'writes files on the server',
  EDIT: 'starts an editor on the server',
  FTS3_TOKENIZER: 'can register native code pointers',
};
const REFUSED_TABLES = new Set(['SQLITE_DBPAGE', 'ZIPFILE', 'SQLAR']);
/** Read-only introspection pragmas usable as table-valued functions (`FROM pragma_table_info('t')`). */
const ALLOWED_PRAGMA_FUNCTIONS = new Set(['TABLE_INFO', 'TABLE_XINFO', 'TABLE_LIST', 'INDEX_LIST', 'INDEX_INFO', 'INDEX_XINFO', 'FOREIGN_KEY_LIST']);
const VIRTUAL_MODULES = new Set(['FTS3', 'FTS4', 'FTS5', 'RTREE', 'RTREE_I32']);

const ALLOWED_VERBS: Record<SqlMode, Set<string>> = {
  schema: new Set(['CREATE', 'ALTER', 'DROP', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE']),
  function: new Set(['SELECT', 'WITH', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE']),
  readonly: new Set(['SELECT', 'WITH', 'VALUES']),
};
const MODE_HINT: Record<SqlMode, string> = {
  schema:
    'updateDatabaseSchema accepts only schema statements: CREATE TABLE/INDEX/VIEW/TRIGGER/VIRTUAL TABLE, ALTER TABLE, DROP TABLE/INDEX/VIEW/TRIGGER, plus INSERT/UPDATE/DELETE/REPLACE for seed data and table copies. Run queries from a function (or the read-only query tool) instead',
  function:
    'functions may run SELECT, WITH, INSERT, UPDATE, DELETE and REPLACE (and CREATE TABLE/INDEX IF NOT EXISTS); schema changes go through the updateDatabaseSchema tool',
  readonly: 'only read-only queries are allowed here (SELECT, WITH or EXPLAIN); change data from a function and the schema with the updateDatabaseSchema tool',
};

const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');

function preview(statement: string): string {
  const flat = statement.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

/** `CREATE [TEMP] TABLE IF NOT EXISTS` / `CREATE [UNIQUE] INDEX IF NOT EXISTS`: idempotent, so functions may run them. */
function isIdempotentCreate(tokens: Token[]): boolean {
  const words = tokens.slice(0, 6).map((t) => (t.kind === 'word' ? t.text : ''));
  let i = 1;
  if (words[i] === 'TEMP' || words[i] === 'TEMPORARY' || words[i] === 'UNIQUE') i++;
  const kind = words[i];
  const okKind = kind === 'TABLE' ? words[1] !== 'UNIQUE' : kind === 'INDEX' && words[1] !== 'TEMP' && words[1] !== 'TEMPORARY';
  return okKind && words[i + 1] === 'IF' && words[i + 2] === 'NOT' && words[i + 3] === 'EXISTS';
}

/** The problem with one token, if any (wherever in the statement it is, trigger and view bodies included). */
function tokenProblem(tokens: Token[], index: number): string | null {
  const token = tokens[index]!;
  const next = tokens[index + 1];
  if (token.kind === 'word' && REFUSED_WORDS.has(token.text)) {
    return `${token.text} is not allowed anywhere in a statement (if it is a column or table name, quote it: "${token.text.toLowerCase()}")`;
  }
  if (isName(token) && REFUSED_FUNCTIONS[token.text] && next?.kind === 'punct' && next.text === '(') {
    return `the function ${token.text.toLowerCase()}() is not allowed: it ${REFUSED_FUNCTIONS[token.text]}. Remove the call`;
  }
  // SQLite also accepts a 'string' where a table name goes (`FROM 'sqlite_dbpage'`).
  const name = token.kind === 'string' ? token.text.toUpperCase() : isName(token) ? token.text : '';
  if (REFUSED_TABLES.has(name)) return `${name.toLowerCase()} is not allowed: it reads or writes raw files. Use ordinary tables`;
  if (name.startsWith('PRAGMA_') && !ALLOWED_PRAGMA_FUNCTIONS.has(name.slice(7))) {
    return `${name.toLowerCase()} is not allowed: only these pragma functions may be read: ${[...ALLOWED_PRAGMA_FUNCTIONS].map((p) => `pragma_${p.toLowerCase()}`).join(', ')}`;
  }
  return null;
}

/** `CREATE VIRTUAL TABLE x USING <module>`: only full-text and r-tree modules. */
function virtualTableProblem(tokens: Token[]): string | null {
  if (tokens[1]?.text !== 'VIRTUAL' || tokens[1].kind !== 'word') return null;
  const at = tokens.findIndex((t) => t.kind === 'word' && t.text === 'USING');
  const module = tokens[at + 1];
  const name = at < 0 || !module || module.kind === 'punct' ? '' : module.text.toUpperCase();
  if (VIRTUAL_MODULES.has(name)) return null;
  return `CREATE VIRTUAL TABLE may only use fts5 (or fts3/fts4) for full-text search or rtree for spatial indexes, not ${name ? `"${name.toLowerCase()}"` : 'this module'}. Use an ordinary table instead`;
}

/** Why `statement` is refused in `mode` (with what to do instead), or null when it is allowed. */
export function refusalReason(statement: string, mode: SqlMode): string | null {
  const tokens = tokenize(statement);
  if (tokens.length === 0) return 'the statement is empty';
  // EXPLAIN does not run its statement, but transaction and pragma verbs stay refused behind it.
  let at = 0;
  if (tokens[0]!.kind === 'word' && tokens[0]!.text === 'EXPLAIN') {
    at = tokens[1]?.text === 'QUERY' && tokens[2]?.text === 'PLAN' ? 3 : 1;
  }
  const verbToken = tokens[at];
  const verb = verbToken?.kind === 'word' ? verbToken.text : '';
  if (REFUSED_VERBS[verb]) return REFUSED_VERBS[verb]!;
  for (let i = 0; i < tokens.length; i++) {
    const problem = tokenProblem(tokens, i);
    if (problem) return problem;
  }
  if (at === 0 && verb === 'CREATE') {
    const problem = virtualTableProblem(tokens);
    if (problem) return problem;
  }
  if (at > 0)
    return mode === 'readonly' && ALLOWED_VERBS.readonly.has(verb) ? null : `EXPLAIN ${verb ? `${verb} ` : ''}is not allowed here: ${MODE_HINT[mode]}`;
  if (ALLOWED_VERBS[mode].has(verb)) return null;
  if (mode === 'function' && verb === 'CREATE' && isIdempotentCreate(tokens)) return null;
  return `${verb || 'this statement'} is not allowed here: ${MODE_HINT[mode]}`;
}

/**
 * Throws `SQL_REFUSED` for the first statement `mode` does not allow, naming the statement, what is
 * refused, why, and what to do instead. Run on the platform before sending SQL to a db process and
 * again inside that process.
 */
export function checkStatements(statements: string[], mode: SqlMode): void {
  for (const [index, statement] of statements.entries()) {
    const reason = refusalReason(statement, mode);
    if (!reason) continue;
    const where = statements.length > 1 ? `Statement ${index + 1} of ${statements.length}` : 'The statement';
    throw new TesseraError('SQL_REFUSED', `${where} was refused: ${reason}. Nothing was run. (statement: ${preview(statement)})`, {
      details: { statement: index + 1, sql: statement, mode },
    });
  }
}

/** The error for a call that must hold exactly one statement. */
export function exactlyOne(count: number): TesseraError {
  return count === 0
    ? new TesseraError('SQL_REFUSED', 'The SQL holds no statement (only whitespace or comments). Send exactly one statement.')
    : new TesseraError('SQL_REFUSED', `Expected exactly one SQL statement, got ${count}. Send one statement per call (several calls if needed).`);
}
