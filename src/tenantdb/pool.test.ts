import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTenantDbPool } from './pool.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-db-'));
const pool = createTenantDbPool({ dataDir, queryTimeoutMs: 800 });
afterAll(async () => {
  await pool.closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';

describe('tenant databases', () => {
  it('applies a migration in two phases and binds parameters', async () => {
    const db = pool.get('one');
    const pending = await db.beginMigration('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL); INSERT INTO notes (text) VALUES (\'seed\')', 1);
    expect(pending.result).toMatchObject({ statements: 2, version: 1 });
    await pending.commit();
    expect(await db.currentVersion()).toBe(1);
    expect(await db.execute('INSERT INTO notes (text) VALUES (?)', ['hello'])).toEqual({ changes: 1, lastInsertRowid: 2 });
    await db.execute('INSERT INTO notes (text) VALUES (:text)', { text: 'named' });
    expect(await db.query('SELECT text FROM notes WHERE id > ? ORDER BY id', [1])).toEqual([{ text: 'hello' }, { text: 'named' }]);
    const tables = await db.describe();
    expect(tables).toEqual([expect.objectContaining({ name: 'notes', type: 'table', rowCount: 3 })]);
    expect(tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'text']);
  });

  it('changes nothing when a later statement fails, and rolls back on request', async () => {
    const db = pool.get('two');
    await expect(db.beginMigration('CREATE TABLE a (x); CREATE TABLE b (y); INSERT INTO missing VALUES (1)', 1)).rejects.toThrow(/Statement 3 of 3 failed: no such table: missing.*Nothing was applied/);
    expect(await db.describe()).toEqual([]);
    expect(await db.currentVersion()).toBe(0);
    const pending = await db.beginMigration('CREATE TABLE a (x)', 1);
    await pending.rollback();
    expect(await db.describe()).toEqual([]);
    expect(await db.currentVersion()).toBe(0);
    expect(await db.catchUp([{ version: 1, sql: 'CREATE TABLE a (x)' }, { version: 2, sql: 'CREATE TABLE b (y)' }])).toBe(2);
    expect(await db.catchUp([{ version: 1, sql: 'CREATE TABLE a (x)' }])).toBe(0);
    expect((await db.describe()).map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('keeps other calls waiting while a migration is open', async () => {
    const db = pool.get('three');
    const pending = await db.beginMigration('CREATE TABLE t (x)', 1);
    let answered = false;
    const query = db.query('SELECT count(*) AS n FROM t').then((rows) => { answered = true; return rows; });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    await pending.commit();
    expect(await query).toEqual([{ n: 0 }]);
  });

  it('refuses writes in read-only queries and policy violations in function calls', async () => {
    const db = pool.get('one');
    await expect(db.readOnlyQuery('DELETE FROM notes')).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    expect(await db.readOnlyQuery('SELECT id FROM notes ORDER BY id', [], { limit: 2 })).toEqual({ columns: ['id'], rows: [{ id: 1 }, { id: 2 }], truncated: true });
    await expect(db.execute("ATTACH '/tmp/x.db' AS x")).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    await expect(db.query('SELECT 1; SELECT 2')).rejects.toThrow(/exactly one SQL statement/);
    await expect(db.query('SELECT * FROM nowhere')).rejects.toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('no such table: nowhere') });
    await expect(db.query('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT x FROM c')).rejects.toThrow(/more than 10000 rows/);
  });

  it('stops a runaway query without blocking other tenants, then works again', async () => {
    const slow = pool.get('runaway');
    const other = pool.get('one');
    const started = Date.now();
    const runaway = slow.query(RUNAWAY);
    const meanwhile = await other.query('SELECT count(*) AS n FROM notes');
    expect(meanwhile).toEqual([{ n: 3 }]);
    expect(Date.now() - started).toBeLessThan(700);
    await expect(runaway).rejects.toThrow(/longer than 800 ms and was stopped/);
    expect(await slow.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
  });

  it('restarts a db process that was killed', async () => {
    const db = pool.get('killed') as unknown as { pid?: number; query: (sql: string) => Promise<unknown> };
    await db.query('SELECT 1');
    const pid = db.pid!;
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await db.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    expect(db.pid).not.toBe(pid);
  });

  it('keeps tenants apart', async () => {
    await expect(pool.get('two').query('SELECT * FROM notes')).rejects.toThrow(/no such table: notes/);
    expect(() => pool.get('../one')).toThrow(/not a DNS label/);
  });
});
