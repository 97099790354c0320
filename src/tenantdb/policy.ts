import { TesseraError } from '../errors.ts';
import { tokenize, type Token } from './split.ts';

/**
 * Where SQL comes from decides what it may do:
 * - `schema`: the updateDatabaseSchema tool (DDL, plus data statements for seeds and table copies);
 * - `function`: tenant functions through `@tessera/db` (data statements);
 * - `readonly`: inspection (SELECT only).
 * Some things are refused everywhere, whoever asks: they reach files, extensions or the platform's
 * control of transactions. The model can be talked into anything, so this never trusts the sender.
 */
export type SqlMode = 'schema' | 'function' | 'readonly';

const REFUSED_FIRST: Record<string, string> = {
  ATTACH: 'ATTACH opens other database files',
  DETACH: 'DETACH works on attached databases, which are not allowed',
  VACUUM: 'VACUUM (and VACUUM INTO) rewrites or copies the database file',
  PRAGMA: 'PRAGMA changes how the database engine behaves or reaches files; the platform sets its own pragmas',
  BEGIN: 'the platform runs each call in its own transaction',
  COMMIT: 'the platform runs each call in its own transaction',
  END: 'the platform runs each call in its own transaction',
  ROLLBACK: 'the platform runs each call in its own transaction',
  SAVEPOINT: 'the platform runs each call in its own transaction',
  RELEASE: 'the platform runs each call in its own transaction',
};
const REFUSED_ANYWHERE = new Set(['ATTACH', 'DETACH', 'VACUUM', 'PRAGMA']);
const REFUSED_FUNCTIONS = new Set(['LOAD_EXTENSION', 'READFILE', 'WRITEFILE', 'EDIT', 'FTS3_TOKENIZER']);
const REFUSED_TABLES = new Set(['SQLITE_DBPAGE', 'ZIPFILE', 'SQLAR']);
const VIRTUAL_MODULES = new Set(['FTS3', 'FTS4', 'FTS5', 'RTREE', 'RTREE_I32']);

const ALLOWED_FIRST: Record<SqlMode, Set<string>> = {
  schema: new Set(['CREATE', 'ALTER', 'DROP', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE']),
  function: new Set(['SELECT', 'WITH', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE']),
  readonly: new Set(['SELECT', 'WITH', 'VALUES', 'EXPLAIN']),
};

const ALLOWED_HINT: Record<SqlMode, string> = {
  schema: 'updateDatabaseSchema accepts schema statements only: CREATE/ALTER/DROP TABLE, CREATE/DROP INDEX, VIEW and TRIGGER, plus INSERT/UPDATE/DELETE for seed data and table copies; run queries from a function instead',
  function: 'functions may run SELECT, WITH, INSERT, UPDATE, DELETE and REPLACE (and CREATE TABLE/INDEX IF NOT EXISTS); schema changes go through the updateDatabaseSchema tool',
  readonly: 'only read-only queries (SELECT, WITH, EXPLAIN) are allowed here',
};

function preview(statement: string): string {
  const flat = statement.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/** `CREATE [TEMP] TABLE IF NOT EXISTS` / `CREATE [UNIQUE] INDEX IF NOT EXISTS`: idempotent, allowed to functions. */
function isIdempotentCreate(words: string[]): boolean {
  const kinds = words.slice(1, 3);
  const hasKind = kinds.includes('TABLE') || kinds.includes('INDEX');
  const at = words.indexOf('IF');
  return hasKind && at > 0 && at <= 4 && words[at + 1] === 'NOT' && words[at + 2] === 'EXISTS' && !words.includes('VIRTUAL');
}

/** Why a statement is refused in a mode, or null when it is allowed. */
export function refusalReason(statement: string, mode: SqlMode): string | null {
  const tokens = tokenize(statement);
  const words = tokens.filter((t) => t.kind === 'word').map((t) => t.text);
  const first = tokens[0]?.kind === 'word' ? tokens[0].text : '';
  if (REFUSED_FIRST[first]) return REFUSED_FIRST[first]!;
  for (const [index, token] of tokens.entries()) {
    const next: Token | undefined = tokens[index + 1];
    if (token.kind === 'word' && REFUSED_ANYWHERE.has(token.text)) return `${token.text} is not allowed anywhere in a statement`;
    if ((token.kind === 'word' || token.kind === 'quoted') && REFUSED_FUNCTIONS.has(token.text) && next?.text === '(') return `the function ${token.text.toLowerCase()}() reaches files or native code`;
    if ((token.kind === 'word' || token.kind === 'quoted') && REFUSED_TABLES.has(token.text)) return `${token.text.toLowerCase()} reaches the raw database file`;
  }
  if (first === 'CREATE' && words[1] === 'VIRTUAL') {
    const module = words[words.indexOf('USING') + 1];
    if (!module || !VIRTUAL_MODULES.has(module)) return `virtual tables may use only fts3, fts4, fts5 or rtree (got ${module?.toLowerCase() ?? 'none'})`;
  }
  if (ALLOWED_FIRST[mode].has(first)) return null;
  if (mode === 'function' && first === 'CREATE' && isIdempotentCreate(words)) return null;
  return ALLOWED_HINT[mode];
}

/** Throws SQL_REFUSED for the first statement the mode does not allow, saying which and why. */
export function checkStatements(statements: string[], mode: SqlMode): void {
  for (const [index, statement] of statements.entries()) {
    const reason = refusalReason(statement, mode);
    if (reason) {
      const where = statements.length > 1 ? `Statement ${index + 1} of ${statements.length}` : 'The statement';
      throw new TesseraError('SQL_REFUSED', `${where} ("${preview(statement)}") is refused: ${reason}. Nothing was run.`, {
        details: { statement: index + 1, sql: statement },
      });
    }
  }
}
