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
