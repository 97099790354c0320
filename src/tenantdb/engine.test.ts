import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-engine-'));
const engine = new Engine(path.join(dir, 'nested', 'app.sqlite'));
afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

// The db process checks SQL again, whatever the platform side let through.
describe('Engine (inside the db process)', () => {
  it('refuses policy violations on its own', () => {
    expect(() => engine.execute("ATTACH 'x.db' AS x", undefined)).toThrow(expect.objectContaining({ code: 'SQL_REFUSED' }));
    expect(() => engine.query('PRAGMA journal_mode', undefined)).toThrow(expect.objectContaining({ code: 'SQL_REFUSED' }));
    expect(() => engine.readonly('DELETE FROM t', undefined, 10)).toThrow(expect.objectContaining({ code: 'SQL_REFUSED' }));
    expect(() => engine.migrate('CREATE TABLE a (x); BEGIN', 1, false)).toThrow(expect.objectContaining({ code: 'SQL_REFUSED' }));
    expect(() => engine.query('SELECT 1; SELECT 2', undefined)).toThrow(/exactly one SQL statement/);
  });

  it('runs with WAL and foreign keys on', () => {
    engine.migrate('CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INT REFERENCES p (id))', 1, false);
    expect(() => engine.execute('INSERT INTO c VALUES (1)', undefined)).toThrow(/FOREIGN KEY constraint failed/);
    expect(engine.version()).toBe(1);
  });

  it('refuses a second held migration and a commit without one', () => {
    engine.migrate('CREATE TABLE d (x)', 2, true);
    expect(() => engine.migrate('CREATE TABLE e (x)', 3, true)).toThrow(/already waiting/);
    engine.rollback();
    expect(() => engine.commit()).toThrow(/no open migration/);
    expect(engine.version()).toBe(1);
  });
});

describe('Engine with the file held exclusively (several replicas on one volume)', () => {
  it('keeps the file locked while open, with no shared-memory index, and lets go when closed', () => {
    const file = path.join(dir, 'exclusive', 'app.sqlite');
    const held = new Engine(file, { exclusive: true });
    held.migrate('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)', 1, false);
    held.execute('INSERT INTO notes (text) VALUES (?)', ['kept']);
    // Another process (here: another connection) neither reads nor writes the file meanwhile.
    const outsider = new Database(file, { timeout: 100 });
    expect(() => outsider.prepare('SELECT count(*) AS n FROM notes').get()).toThrow(/locked|busy/i);
    expect(() => outsider.prepare("INSERT INTO notes (text) VALUES ('stray')").run()).toThrow(/locked|busy/i);
    // WAL's index lives in the holder's memory: nothing a network filesystem would have to share.
    expect(existsSync(`${file}-shm`)).toBe(false);
    held.close();
    expect(outsider.prepare('SELECT text FROM notes').all()).toEqual([{ text: 'kept' }]);
    outsider.close();
  });

  it('leaves the file open to others without it (one process)', () => {
    const file = path.join(dir, 'shared', 'app.sqlite');
    const open = new Engine(file);
    open.migrate('CREATE TABLE t (x)', 1, false);
    const other = new Database(file, { timeout: 100 });
    expect(other.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    other.close();
    open.close();
  });
});

describe('a deploy’s migrations (migrateMany) and copies', () => {
  const deployDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-deploy-'));
  const live = new Engine(path.join(deployDir, 'app.sqlite'));
  afterAll(() => {
    live.close();
    rmSync(deployDir, { recursive: true, force: true });
  });
  const seed = () => {
    live.migrateMany(
      [
        { version: 1, sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, color TEXT)' },
        { version: 2, sql: "INSERT INTO notes (body, color) VALUES ('a', 'red'), ('b', 'blue'); CREATE TABLE empty (x)" },
      ],
      false,
      true,
    );
  };

  it('applies several migrations in one transaction and measures nothing lost for additions', () => {
    seed();
    const added = live.migrateMany([{ version: 3, sql: 'ALTER TABLE notes ADD COLUMN pinned INTEGER; CREATE INDEX notes_body ON notes (body)' }], true, true);
    expect(added).toMatchObject({ from: 2, to: 3, statements: 2, loss: [] });
    live.rollback();
    expect(live.version()).toBe(2);
  });

  it('names each kind of loss: dropped table with rows, dropped column, rows gone; not an empty table or a rename', () => {
    const result = live.migrateMany(
      [
        { version: 3, sql: 'DROP TABLE empty' },
        { version: 4, sql: 'ALTER TABLE notes DROP COLUMN color' },
        { version: 5, sql: 'CREATE TABLE keep (k); INSERT INTO keep VALUES (1)' },
      ],
      true,
      true,
    );
    expect(result.loss).toEqual([{ table: 'notes', rows: 2, lost: 'columns', columns: ['color'] }]);
    live.rollback();
    const dropped = live.migrateMany([{ version: 3, sql: 'DROP TABLE notes' }], true, true);
    expect(dropped.loss).toEqual([{ table: 'notes', rows: 2, lost: 'table' }]);
    live.rollback();
    const renamed = live.migrateMany([{ version: 3, sql: 'ALTER TABLE notes RENAME TO memos; ALTER TABLE memos RENAME COLUMN body TO text' }], true, true);
    expect(renamed.loss).toEqual([]);
    live.rollback();
    const rebuilt = live.migrateMany(
      [
        {
          version: 3,
          sql: "CREATE TABLE notes2 AS SELECT * FROM notes WHERE color = 'red'; DROP TABLE notes; ALTER TABLE notes2 RENAME TO notes",
        },
      ],
      true,
      true,
    );
    expect(rebuilt.loss).toEqual([{ table: 'notes', rows: 2, lost: 'rows', rowsAfter: 1 }]);
    live.rollback();
    expect(live.version()).toBe(2);
    expect(live.query('SELECT count(*) AS n FROM notes', undefined)).toEqual([{ n: 2 }]);
  });

  it('applies all or nothing: a failing later migration leaves the first unapplied', () => {
    expect(() =>
      live.migrateMany(
        [
          { version: 3, sql: 'CREATE TABLE fine (x)' },
          { version: 4, sql: 'CREATE TABLE broken (' },
        ],
        false,
        true,
      ),
    ).toThrow(/Migration 4, statement 1 of 1 failed.*Nothing was applied/);
    expect(live.version()).toBe(2);
    expect(live.query("SELECT name FROM sqlite_schema WHERE name = 'fine'", undefined)).toEqual([]);
    expect(() => live.migrateMany([{ version: 4, sql: 'CREATE TABLE skip (x)' }], false, true)).toThrow(/expects migration 3 next/);
  });

  it('copies the database consistently inside its folder only', () => {
    const { bytes } = live.copyTo('snapshots/one.sqlite');
    expect(bytes).toBeGreaterThan(0);
    const copy = new Database(path.join(deployDir, 'snapshots', 'one.sqlite'), { readonly: true });
    expect(copy.prepare('SELECT body FROM notes ORDER BY id').all()).toEqual([{ body: 'a' }, { body: 'b' }]);
    expect(copy.pragma('user_version', { simple: true })).toBe(2);
    copy.close();
    expect(existsSync(path.join(deployDir, 'snapshots', 'one.sqlite.partial'))).toBe(false);
    for (const bad of ['../escape.sqlite', '/tmp/x.sqlite', 'snapshots/../../x.sqlite', 'a/b/c.sqlite', 'x.db', ''])
      expect(() => live.copyTo(bad), bad).toThrow(/inside the database's folder/);
  });
});
