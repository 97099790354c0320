import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
