import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTenantDbPool, type TenantDb } from './index.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-db-migrate-'));
const pool = createTenantDbPool({ dataDir, migrationTimeoutMs: 400 });
afterAll(async () => {
  await pool.closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const pidOf = (db: TenantDb): number | undefined => (db as unknown as { host: { pid?: number } }).host.pid;
const names = async (db: TenantDb): Promise<string[]> => (await db.describe()).map((t) => t.name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('migrations', () => {
  it('changes nothing when the third of three statements fails', async () => {
    const db = pool.get('atomic', 'live');
    await (await db.beginMigration('CREATE TABLE keep (x)', 1)).commit();
    const failing = db.beginMigration("CREATE TABLE a (x); INSERT INTO keep VALUES ('gone'); INSERT INTO missing VALUES (1)", 2);
    await expect(failing).rejects.toMatchObject({
      code: 'SQL_ERROR',
      message: expect.stringMatching(/^Statement 3 of 3 failed: no such table: missing\. Nothing was applied\./),
      details: { statement: 3, sql: 'INSERT INTO missing VALUES (1)' },
    });
    expect(await names(db)).toEqual(['keep']);
    expect(await db.query('SELECT count(*) AS n FROM keep')).toEqual([{ n: 0 }]);
    expect(await db.currentVersion()).toBe(1);
  });

  it('commits in two phases and reports the resulting tables', async () => {
    const db = pool.get('two-phase', 'live');
    const pending = await db.beginMigration("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('seed')", 1);
    expect(pending.result).toMatchObject({ statements: 2, version: 1, tables: [{ name: 'notes', type: 'table', rowCount: 1 }] });
    await pending.commit();
    await pending.commit(); // idempotent
    expect(await db.currentVersion()).toBe(1);
    expect(await db.query('SELECT text FROM notes')).toEqual([{ text: 'seed' }]);
    await expect(pending.rollback()).rejects.toThrow(/already committed/);
  });

  it('rolls back on request', async () => {
    const db = pool.get('rolled-back', 'live');
    const pending = await db.beginMigration('CREATE TABLE a (x)', 1);
    await pending.rollback();
    expect(await names(db)).toEqual([]);
    expect(await db.currentVersion()).toBe(0);
  });

  it('keeps other calls waiting while a migration is open', async () => {
    const db = pool.get('gated', 'live');
    const pending = await db.beginMigration('CREATE TABLE t (x)', 1);
    let answered = false;
    const query = db.query('SELECT count(*) AS n FROM t').then((rows) => {
      answered = true;
      return rows;
    });
    await sleep(150);
    expect(answered).toBe(false);
    await pending.commit();
    expect(await query).toEqual([{ n: 0 }]);
  });

  it('rolls back a migration neither committed nor rolled back in time', async () => {
    const db = pool.get('abandoned', 'live');
    const pending = await db.beginMigration('CREATE TABLE t (x)', 1);
    const waiting = db.currentVersion();
    await sleep(600);
    expect(await waiting).toBe(0);
    expect(await names(db)).toEqual([]);
    await expect(pending.commit()).rejects.toThrow(/rolled back because neither commit\(\) nor rollback\(\) came within 400 ms/);
  });

  it('fails the commit when the db process died meanwhile', async () => {
    const db = pool.get('crashed', 'live');
    const pending = await db.beginMigration('CREATE TABLE t (x)', 1);
    process.kill(pidOf(db)!, 'SIGKILL');
    await sleep(100);
    await expect(pending.commit()).rejects.toThrow(/stopped before migration 1 was committed; nothing was applied/);
    expect(await db.currentVersion()).toBe(0);
    expect(await names(db)).toEqual([]);
  });

  it('requires the next version number and refuses non-schema SQL', async () => {
    const db = pool.get('versions', 'live');
    await expect(db.beginMigration('CREATE TABLE a (x)', 2)).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/at version 0 and expects migration 1/),
    });
    await expect(db.beginMigration('CREATE TABLE a (x); SELECT * FROM a', 1)).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      message: expect.stringMatching(/^Statement 2 of 2 was refused/),
    });
    await expect(db.beginMigration('CREATE TABLE a (x); PRAGMA user_version = 9', 1)).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    await expect(db.beginMigration(' -- nothing ', 1)).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    expect(await db.currentVersion()).toBe(0);
  });

  it('applies triggers with semicolons in their bodies', async () => {
    const db = pool.get('triggers', 'live');
    await (
      await db.beginMigration(
        `CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); CREATE TABLE log (note INT, what TEXT);
         CREATE TRIGGER note_added AFTER INSERT ON notes BEGIN
           INSERT INTO log VALUES (new.id, CASE WHEN new.text = '' THEN 'empty;' ELSE 'text' END);
           UPDATE notes SET text = trim(text) WHERE id = new.id;
         END;`,
        1,
      )
    ).commit();
    await db.execute("INSERT INTO notes (text) VALUES ('')");
    expect(await db.query('SELECT note, what FROM log')).toEqual([{ note: 1, what: 'empty;' }]);
  });

  it('catches up on migrations above the database version, each in its own transaction', async () => {
    const db = pool.get('catch-up', 'live');
    const migrations = [
      { version: 2, sql: "INSERT INTO a VALUES ('two')" },
      { version: 1, sql: 'CREATE TABLE a (x)' },
      { version: 3, sql: 'CREATE TABLE b (y)' },
    ];
    await (await db.beginMigration('CREATE TABLE a (x)', 1)).commit();
    expect(await db.catchUp(migrations)).toBe(2);
    expect(await db.currentVersion()).toBe(3);
    expect(await names(db)).toEqual(['a', 'b']);
    expect(await db.catchUp(migrations)).toBe(0);
    const broken = [...migrations, { version: 4, sql: 'CREATE TABLE c (z)' }, { version: 5, sql: 'CREATE TABLE d (w); INSERT INTO nowhere VALUES (1)' }];
    await expect(db.catchUp(broken)).rejects.toThrow(
      /^Replaying migration 5 failed \(1 earlier migration was applied\): Statement 2 of 2 failed: no such table: nowhere/,
    );
    expect(await db.currentVersion()).toBe(4);
    expect(await names(db)).toEqual(['a', 'b', 'c']);
  });
});
