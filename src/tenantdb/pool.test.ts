import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantDbPool, type TenantDb } from './index.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-db-'));
const pool = createTenantDbPool({ dataDir });
afterAll(async () => {
  await pool.closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const pidOf = (db: TenantDb): number | undefined => (db as unknown as { host: { pid?: number } }).host.pid;

describe('tenant database calls', () => {
  const db = pool.get('calls', 'live');
  beforeAll(async () => {
    const pending = await db.beginMigration(
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, done INT DEFAULT 0, data BLOB); INSERT INTO notes (text) VALUES ('seed')",
      1,
    );
    await pending.commit();
  });

  it('creates the file under <dataDir>/tenants/<id>/db', () => {
    expect(existsSync(path.join(dataDir, 'tenants', 'calls', 'db', 'app.sqlite'))).toBe(true);
  });

  it('binds positional and named parameters, booleans and Buffers', async () => {
    expect(await db.execute('INSERT INTO notes (text, done) VALUES (?, ?)', ['hello', true])).toEqual({ changes: 1, lastInsertRowid: 2 });
    expect(await db.execute('INSERT INTO notes (text, data) VALUES (:text, @data)', { text: 'named', data: Buffer.from([1, 2, 3]) })).toEqual({
      changes: 1,
      lastInsertRowid: 3,
    });
    expect(await db.query('SELECT text, done FROM notes WHERE id > $min ORDER BY id', { min: 1 })).toEqual([
      { text: 'hello', done: 1 },
      { text: 'named', done: 0 },
    ]);
    const [row] = await db.query('SELECT data FROM notes WHERE text = ?', ['named']);
    expect(Buffer.isBuffer(row!.data)).toBe(true);
    expect([...(row!.data as Buffer)]).toEqual([1, 2, 3]);
  });

  it('returns [] from query for statements without rows, and rows for RETURNING', async () => {
    expect(await db.query("UPDATE notes SET done = 1 WHERE text = 'seed'")).toEqual([]);
    expect(await db.query("INSERT INTO notes (text) VALUES ('r') RETURNING text")).toEqual([{ text: 'r' }]);
    expect(await db.execute("INSERT INTO notes (text) VALUES ('a'), ('b') RETURNING id")).toMatchObject({ changes: 2 });
    expect(await db.execute("DELETE FROM notes WHERE text IN ('r', 'a', 'b')")).toMatchObject({ changes: 3 });
  });

  it('turns big integers into strings and keeps safe ones as numbers', async () => {
    expect(await db.query('SELECT 9007199254740993 AS big, 42 AS small, 1.5 AS real')).toEqual([{ big: '9007199254740993', small: 42, real: 1.5 }]);
    expect(await db.execute('INSERT INTO notes (id, text) VALUES (9223372036854775807, ?)', ['max'])).toEqual({
      changes: 1,
      lastInsertRowid: '9223372036854775807',
    });
    await db.execute('DELETE FROM notes WHERE text = ?', ['max']);
  });

  it('reports SQLite errors with the statement', async () => {
    await expect(db.query('SELECT * FROM nowhere')).rejects.toMatchObject({ code: 'SQL_ERROR', message: 'no such table: nowhere (in: SELECT * FROM nowhere)' });
    await expect(db.execute('INSERT INTO notes (text) VALUES (?)', [])).rejects.toMatchObject({ code: 'SQL_ERROR' });
    await expect(db.query('SELECT 1; SELECT 2')).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      message: expect.stringMatching(/exactly one SQL statement, got 2/),
    });
  });

  it('refuses policy violations before starting a process', async () => {
    const fresh = pool.get('refused', 'live');
    await expect(fresh.execute("ATTACH '/tmp/x.db' AS x")).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    await expect(fresh.query('DROP TABLE notes')).rejects.toThrow(/updateDatabaseSchema/);
    await expect(fresh.query("SELECT load_extension('x')")).rejects.toThrow(/load_extension/);
    expect(pidOf(fresh)).toBeUndefined();
  });

  it('readOnlyQuery refuses writes, returns columns and truncates at the limit', async () => {
    await expect(db.readOnlyQuery('DELETE FROM notes')).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    await expect(db.readOnlyQuery("WITH x AS (SELECT 1) INSERT INTO notes (text) VALUES ('no')")).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      message: expect.stringMatching(/would change the database/),
    });
    expect(await db.readOnlyQuery('SELECT id, text FROM notes ORDER BY id', [], { limit: 2 })).toEqual({
      columns: ['id', 'text'],
      rows: [
        { id: 1, text: 'seed' },
        { id: 2, text: 'hello' },
      ],
      truncated: true,
    });
    expect(await db.readOnlyQuery('SELECT count(*) AS n FROM notes WHERE id < ?', [3])).toEqual({ columns: ['n'], rows: [{ n: 2 }], truncated: false });
    expect((await db.readOnlyQuery('EXPLAIN QUERY PLAN SELECT * FROM notes WHERE id = 1')).rows.length).toBeGreaterThan(0);
    expect(await db.query('SELECT count(*) AS n FROM notes')).toEqual([{ n: 3 }]);
  });

  it('asks for a LIMIT when a result is over 10,000 rows or 8 MB', async () => {
    const many = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT x FROM c';
    await expect(db.query(many)).rejects.toMatchObject({ code: 'SQL_ERROR', message: expect.stringMatching(/more than 10000 rows.*Add a LIMIT/) });
    const large = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100) SELECT randomblob(100000) AS b FROM c';
    await expect(db.query(large)).rejects.toThrow(/larger than 8 MB/);
    const result = await db.readOnlyQuery(many, [], { limit: 50_000 });
    expect(result).toMatchObject({ truncated: true });
    expect(result.rows).toHaveLength(10_000);
  });

  it('describes user tables and views with columns and row counts, hiding internals', async () => {
    const other = pool.get('described', 'live');
    await (
      await other.beginMigration(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x'); CREATE VIEW v AS SELECT name FROM t; CREATE VIRTUAL TABLE f USING fts5(body); INSERT INTO t (name) VALUES ('a')",
        1,
      )
    ).commit();
    const tables = await other.describe();
    expect(tables.map((t) => [t.name, t.type, t.rowCount])).toEqual([
      ['f', 'table', 0],
      ['t', 'table', 1],
      ['v', 'view', undefined],
    ]);
    expect(tables[1]!.columns).toEqual([
      { name: 'id', type: 'INTEGER', notNull: false, defaultValue: null, primaryKey: true },
      { name: 'name', type: 'TEXT', notNull: true, defaultValue: "'x'", primaryKey: false },
    ]);
    expect(tables[2]!.sql).toBe('CREATE VIEW v AS SELECT name FROM t');
  });
});

describe('the pool', () => {
  it('keeps tenants apart', async () => {
    const a = pool.get('tenant-a', 'live');
    const b = pool.get('tenant-b', 'live');
    await (await a.beginMigration("CREATE TABLE secrets (s TEXT); INSERT INTO secrets VALUES ('a-only')", 1)).commit();
    await expect(b.query('SELECT * FROM secrets')).rejects.toThrow(/no such table: secrets/);
    expect(await b.currentVersion()).toBe(0);
    expect(await a.query('SELECT s FROM secrets')).toEqual([{ s: 'a-only' }]);
    expect(pidOf(a)).not.toBe(pidOf(b));
  });

  it('refuses malformed tenant ids', () => {
    for (const id of ['../one', 'One', '-a', 'a-', '', 'a/b', 'a'.repeat(64), 'a.b']) {
      expect(() => pool.get(id, 'live'), id).toThrow(expect.objectContaining({ code: 'INVALID_TENANT_ID' }));
    }
    expect(() => pool.get('a'.repeat(63), 'live')).not.toThrow();
  });

  it('closes a tenant (restarting on the next call) and removes one with its folder', async () => {
    const db = pool.get('removed', 'live');
    await db.execute('CREATE TABLE IF NOT EXISTS t (x)');
    await pool.close('removed');
    expect(pidOf(db)).toBeUndefined();
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    await pool.remove('removed');
    expect(existsSync(path.join(dataDir, 'tenants', 'removed'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'tenants', 'removed', 'db'))).toBe(false);
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    expect(await pool.get('removed', 'live').query('SELECT count(*) AS n FROM sqlite_schema')).toEqual([{ n: 0 }]);
  });
});
