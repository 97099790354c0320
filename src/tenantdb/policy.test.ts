import { describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { checkStatements, refusalReason, type SqlMode } from './policy.ts';
import { splitStatements } from './split.ts';

const MODES: SqlMode[] = ['schema', 'function', 'readonly'];

/** Refused in every mode, with the reason it must mention. */
const REFUSED_EVERYWHERE: Array<[string, RegExp]> = [
  ["ATTACH DATABASE '/etc/passwd' AS x", /ATTACH/],
  // SQLite reads `?1ATTACH` as `?1` then ATTACH: the word is seen wherever it hides.
  ['SELECT ?1ATTACH', /ATTACH/],
  ["SELECT ?1ATTACH DATABASE '/tmp/x.db' AS x", /ATTACH/],
  ['SELECT ?9PRAGMA', /PRAGMA/],
  ["SELECT ?1load_extension('/tmp/evil.so')", /load_extension\(\)/],
  ['SELECT * FROM t WHERE a = ?2VACUUM', /VACUUM/],
  ['SELECT * FROM ?1pragma_database_list', /pragma_database_list/],
  ["attach '/tmp/x.db' as x", /ATTACH/],
  ["/*x*/ATTACH '/tmp/x.db' AS x", /ATTACH/],
  ["-- hi\n  AtTaCh\t'/x' AS y", /ATTACH/],
  ['DETACH x', /DETACH/],
  ['detach database x', /DETACH/],
  ['VACUUM', /VACUUM/],
  ["vacuum into '/tmp/copy.db'", /VACUUM/],
  ["VACUUM main INTO '/tmp/x'", /VACUUM/],
  ['PRAGMA writable_schema = 1', /PRAGMA/],
  ['pragma journal_mode = off', /PRAGMA/],
  ['/**/pragma/**/foreign_keys=0', /PRAGMA/],
  ['PRAGMA main.user_version = 5', /PRAGMA/],
  ['BEGIN', /transactions/],
  ['begin immediate transaction', /transactions/],
  ['COMMIT', /transactions/],
  ['END TRANSACTION', /transactions/],
  ['rollback', /transactions/],
  ['ROLLBACK TO a', /transactions/],
  ['SAVEPOINT a', /transactions/],
  ['RELEASE SAVEPOINT a', /transactions/],
  ['EXPLAIN COMMIT', /transactions/],
  ["SELECT load_extension('/tmp/evil.so')", /load_extension\(\)/],
  ["select LOAD_EXTENSION /* x */ ('x')", /load_extension\(\)/],
  [`SELECT "load_extension"('x')`, /load_extension\(\)/],
  ["SELECT [load_extension]('x')", /load_extension\(\)/],
  ["select `Load_Extension`\n('x')", /load_extension\(\)/],
  ["CREATE VIEW v AS SELECT load_extension('x')", /load_extension\(\)/],
  ["CREATE TRIGGER t AFTER INSERT ON notes BEGIN SELECT load_extension('x'); END", /load_extension\(\)/],
  ["INSERT INTO t SELECT readfile('/etc/passwd')", /readfile\(\)/],
  ["SELECT writefile('/tmp/x', 'y')", /writefile\(\)/],
  ["UPDATE t SET x = edit(x, 'vi')", /edit\(\)/],
  ["SELECT fts3_tokenizer('simple')", /fts3_tokenizer\(\)/],
  ['SELECT * FROM sqlite_dbpage', /sqlite_dbpage/],
  ["SELECT * FROM 'sqlite_dbpage'", /sqlite_dbpage/],
  ['SELECT data FROM main.SQLITE_DBPAGE WHERE pgno = 1', /sqlite_dbpage/],
  ["SELECT * FROM zipfile('/tmp/a.zip')", /zipfile/],
  ['SELECT * FROM sqlar', /sqlar/],
  ['CREATE VIEW v AS SELECT * FROM "sqlar"', /sqlar/],
  ['CREATE VIRTUAL TABLE z USING zipfile', /zipfile/],
  ["CREATE VIRTUAL TABLE c USING csv(filename='/etc/passwd')", /fts5.*rtree.*"csv"/],
  ["CREATE VIRTUAL TABLE c USING 'csv'(fts5)", /"csv"/],
  ['create virtual table if not exists g using geopoly(a)', /"geopoly"/],
  ['SELECT * FROM pragma_database_list', /pragma_database_list/],
  ['INSERT INTO t SELECT * FROM pragma_compile_options', /pragma_compile_options/],
];

describe('SQL policy: refused in every mode', () => {
  it.each(REFUSED_EVERYWHERE)('refuses %s', (sql, reason) => {
    for (const mode of MODES) expect(refusalReason(sql, mode), `${mode}: ${sql}`).toMatch(reason);
  });

  it('finds a refused statement after a trigger in a script', () => {
    const statements = splitStatements("CREATE TRIGGER t AFTER INSERT ON n BEGIN INSERT INTO log VALUES ('attach'); END; ATTACH 'x' AS y");
    expect(() => checkStatements(statements, 'schema')).toThrow(/Statement 2 of 2 was refused: ATTACH/);
  });
});

describe('SQL policy: no false alarms', () => {
  it.each([
    "SELECT 'attach; pragma; vacuum; load_extension(x)' AS note",
    "INSERT INTO t (note) VALUES ('/*'), ('begin'), ('commit')",
    'SELECT "pragma", [vacuum], `attach` FROM t',
    'INSERT INTO t (edit, readfile) VALUES (1, 2)',
    'SELECT * FROM t WHERE x = :attach OR y = @pragma',
    "SELECT name, type FROM pragma_table_info('notes')",
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10) SELECT x FROM c',
  ])('allows %s in function mode', (sql) => {
    expect(refusalReason(sql, 'function')).toBeNull();
  });

  it.each([
    'CREATE VIRTUAL TABLE f USING fts5(title, body)',
    'CREATE VIRTUAL TABLE f4 USING FTS4(body)',
    'CREATE VIRTUAL TABLE f3 USING fts3(body)',
    'CREATE VIRTUAL TABLE r USING rtree(id, minX, maxX)',
    "CREATE TRIGGER guard BEFORE DELETE ON notes BEGIN SELECT RAISE(ROLLBACK, 'notes cannot be deleted'); END",
  ])('allows %s in schema mode', (sql) => {
    expect(refusalReason(sql, 'schema')).toBeNull();
  });
});

describe('SQL policy: modes', () => {
  it('schema mode takes DDL and data statements, nothing else', () => {
    for (const sql of [
      'CREATE TABLE t (x)',
      'CREATE TEMP TABLE t (x)',
      'CREATE UNIQUE INDEX i ON t (x)',
      'CREATE VIEW v AS SELECT x FROM t',
      'CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END',
      'ALTER TABLE t ADD COLUMN y',
      'ALTER TABLE t RENAME TO u',
      'DROP TABLE t',
      'DROP INDEX IF EXISTS i',
      'DROP VIEW v',
      'DROP TRIGGER tr',
      'INSERT INTO t VALUES (1)',
      'UPDATE t SET x = 2',
      'DELETE FROM t',
      'REPLACE INTO t VALUES (1)',
      'INSERT INTO u SELECT * FROM t',
    ]) {
      expect(refusalReason(sql, 'schema'), sql).toBeNull();
    }
    for (const sql of ['SELECT * FROM t', 'WITH a AS (SELECT 1) SELECT * FROM a', 'EXPLAIN SELECT 1', 'ANALYZE', 'REINDEX t', 'VALUES (1)']) {
      expect(refusalReason(sql, 'schema'), sql).toMatch(/accepts only schema statements/);
    }
  });

  it('function mode takes queries and data changes, plus CREATE TABLE/INDEX IF NOT EXISTS', () => {
    for (const sql of [
      'SELECT 1',
      'WITH a AS (SELECT 1) SELECT * FROM a',
      'WITH a AS (SELECT 1) DELETE FROM t WHERE x IN a',
      'INSERT INTO t VALUES (1) RETURNING x',
      'INSERT OR REPLACE INTO t VALUES (1)',
      'REPLACE INTO t VALUES (1)',
      'UPDATE t SET x = 1',
      'DELETE FROM t',
      'CREATE TABLE IF NOT EXISTS t (x)',
      'create temp table if not exists t (x)',
      'CREATE INDEX IF NOT EXISTS i ON t (x)',
      'CREATE UNIQUE INDEX IF NOT EXISTS i ON t (x)',
    ]) {
      expect(refusalReason(sql, 'function'), sql).toBeNull();
    }
    for (const sql of [
      'CREATE TABLE t (x)',
      'CREATE INDEX i ON t (x)',
      'DROP TABLE t',
      'DROP TABLE IF EXISTS t',
      'ALTER TABLE t ADD COLUMN y',
      'CREATE VIEW IF NOT EXISTS v AS SELECT 1',
      'CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END',
      'CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(x)',
      'EXPLAIN SELECT 1',
      'ANALYZE',
    ]) {
      expect(refusalReason(sql, 'function'), sql).toMatch(/schema changes go through the updateDatabaseSchema tool/);
    }
  });

  it('readonly mode takes SELECT, WITH and EXPLAIN only', () => {
    for (const sql of ['SELECT * FROM t', 'WITH a AS (SELECT 1) SELECT * FROM a', 'EXPLAIN SELECT 1', 'explain query plan select * from t']) {
      expect(refusalReason(sql, 'readonly'), sql).toBeNull();
    }
    for (const sql of [
      'INSERT INTO t VALUES (1)',
      'DELETE FROM t',
      'UPDATE t SET x = 1',
      'CREATE TABLE t (x)',
      'DROP TABLE t',
      'EXPLAIN QUERY PLAN DELETE FROM t',
    ]) {
      expect(refusalReason(sql, 'readonly'), sql).toMatch(/only read-only queries/);
    }
  });
});

describe('checkStatements', () => {
  it('throws SQL_REFUSED naming the statement, what is refused, why and what to do instead', () => {
    let error: unknown;
    try {
      checkStatements(['CREATE TABLE a (x)', 'PRAGMA foreign_keys = OFF', 'CREATE TABLE b (y)'], 'schema');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TesseraError);
    expect(error).toMatchObject({ code: 'SQL_REFUSED', details: { statement: 2, sql: 'PRAGMA foreign_keys = OFF' } });
    expect((error as Error).message).toMatch(
      /^Statement 2 of 3 was refused: PRAGMA is not allowed: the platform sets .* Remove the statement.*Nothing was run\. \(statement: PRAGMA foreign_keys = OFF\)$/,
    );
  });

  it('says "The statement" for a single one and passes allowed scripts', () => {
    expect(() => checkStatements(['SELECT 1'], 'schema')).toThrow(
      /^The statement was refused: SELECT is not allowed here: updateDatabaseSchema accepts only schema statements/,
    );
    expect(() => checkStatements(['CREATE TABLE a (x)', 'INSERT INTO a VALUES (1)'], 'schema')).not.toThrow();
    expect(() => checkStatements([], 'readonly')).not.toThrow();
  });
});
