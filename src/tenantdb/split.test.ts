import { describe, expect, it } from 'vitest';
import { checkStatements, refusalReason } from './policy.ts';
import { splitStatements } from './split.ts';

describe('splitStatements', () => {
  it('splits on semicolons outside strings, identifiers and comments', () => {
    const sql = `CREATE TABLE "a;b" (x TEXT DEFAULT 'semi;colon'); -- comment; here
      /* block; comment */ INSERT INTO [a;b] VALUES ('it''s; fine');;
      SELECT \`x;y\` FROM t`;
    expect(splitStatements(sql)).toEqual([
      `CREATE TABLE "a;b" (x TEXT DEFAULT 'semi;colon')`,
      `-- comment; here\n      /* block; comment */ INSERT INTO [a;b] VALUES ('it''s; fine')`,
      'SELECT `x;y` FROM t',
    ]);
  });

  it('keeps trigger bodies whole, CASE ... END included', () => {
    const sql = `CREATE TRIGGER t AFTER INSERT ON notes BEGIN
        UPDATE notes SET text = CASE WHEN new.text = '' THEN 'empty' ELSE new.text END WHERE id = new.id;
        INSERT INTO log VALUES (new.id);
      END; CREATE TEMP TRIGGER u BEFORE DELETE ON notes BEGIN SELECT 1; END;
      CREATE INDEX i ON notes (text)`;
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/^CREATE TRIGGER t[\s\S]*END$/);
    expect(statements[1]).toBe('CREATE TEMP TRIGGER u BEFORE DELETE ON notes BEGIN SELECT 1; END');
    expect(statements[2]).toBe('CREATE INDEX i ON notes (text)');
  });

  it('drops empty statements and comment-only input', () => {
    expect(splitStatements(' ;; -- nothing\n /* here */ ')).toEqual([]);
  });
});

describe('SQL policy', () => {
  const refusedEverywhere = [
    "ATTACH DATABASE '/etc/passwd' AS x",
    "attach '/tmp/x.db' as x",
    "/*x*/ATTACH '/tmp/x.db' AS x",
    'DETACH x',
    'VACUUM',
    "VACUUM INTO '/tmp/copy.db'",
    'PRAGMA writable_schema = 1',
    'pragma journal_mode = off',
    'BEGIN',
    'COMMIT',
    'SAVEPOINT a',
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT LOAD_EXTENSION /* x */ ('x')",
    "CREATE VIEW v AS SELECT load_extension('x')",
    "CREATE TRIGGER t AFTER INSERT ON notes BEGIN SELECT load_extension('x'); END",
    "SELECT writefile('/tmp/x', 'y')",
    'SELECT * FROM sqlite_dbpage',
    "SELECT fts3_tokenizer('simple')",
    'CREATE VIRTUAL TABLE z USING zipfile',
    "CREATE VIRTUAL TABLE c USING csv(filename='/etc/passwd')",
  ];

  it.each(refusedEverywhere)('refuses %s in every mode', (sql) => {
    for (const mode of ['schema', 'function', 'readonly'] as const) expect(refusalReason(sql, mode), `${mode}: ${sql}`).not.toBeNull();
  });

  it('does not mistake strings and quoted names for keywords', () => {
    expect(refusalReason("INSERT INTO t (note) VALUES ('attach; pragma; load_extension(x)')", 'function')).toBeNull();
    expect(refusalReason('SELECT "pragma" FROM t', 'function')).toBeNull();
  });

  it('allows schema statements in schema mode only', () => {
    for (const sql of ['CREATE TABLE t (x)', 'ALTER TABLE t ADD COLUMN y', 'DROP TABLE t', 'CREATE UNIQUE INDEX i ON t (x)', 'INSERT INTO t VALUES (1)', 'CREATE VIRTUAL TABLE f USING fts5(body)']) {
      expect(refusalReason(sql, 'schema'), sql).toBeNull();
    }
    expect(refusalReason('SELECT * FROM t', 'schema')).toMatch(/schema statements only/);
    expect(refusalReason('DROP TABLE t', 'function')).toMatch(/updateDatabaseSchema/);
    expect(refusalReason('CREATE TABLE IF NOT EXISTS t (x)', 'function')).toBeNull();
    expect(refusalReason('CREATE TABLE t (x)', 'function')).not.toBeNull();
    expect(refusalReason('INSERT INTO t VALUES (1)', 'readonly')).not.toBeNull();
    expect(refusalReason('WITH a AS (SELECT 1) SELECT * FROM a', 'readonly')).toBeNull();
  });

  it('names the refused statement', () => {
    expect(() => checkStatements(['CREATE TABLE a (x)', 'PRAGMA foo'], 'schema')).toThrow(/Statement 2 of 2 \("PRAGMA foo"\) is refused/);
  });
});
