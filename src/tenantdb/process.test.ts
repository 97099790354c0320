import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTenantDbPool, type TenantDb } from './index.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-db-process-'));
const pool = createTenantDbPool({ dataDir, queryTimeoutMs: 500, idleMs: 300 });
afterAll(async () => {
  await pool.closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c';
const pidOf = (db: TenantDb): number | undefined => (db as unknown as { host: { pid?: number } }).host.pid;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Running (a zombie waiting to be reaped by init counts as gone). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
};

describe('db host processes', () => {
  it('stops a runaway query, keeps other tenants working meanwhile, and serves the next call', async () => {
    const slow = pool.get('runaway', 'live');
    const other = pool.get('bystander', 'live');
    await slow.query('SELECT 1');
    // The bystander's process is started last, so it is still running (idleMs is short here) when the runaway begins.
    await other.execute('CREATE TABLE IF NOT EXISTS t (x)');
    const firstPid = pidOf(slow)!;
    const order: string[] = [];
    const runaway = slow.query(RUNAWAY).finally(() => order.push('runaway stopped'));
    // Observed from the start: on a loaded machine it may be stopped before the lines below run.
    const runawayOutcome = expect(runaway).rejects.toMatchObject({
      code: 'SQL_ERROR',
      message: expect.stringMatching(/^The query ran longer than 500 ms and was stopped/),
    });
    const queued = slow.query('SELECT 2 AS two');
    expect(await other.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    order.push('bystander answered');
    await runawayOutcome;
    // The other tenant was served while the runaway query still held its own process.
    expect(order).toEqual(['bystander answered', 'runaway stopped']);
    expect(await queued).toEqual([{ two: 2 }]);
    expect(await slow.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
    expect(pidOf(slow)).not.toBe(firstPid);
    await sleep(50);
    expect(alive(firstPid)).toBe(false);
  });

  it('rejects the call of a process that dies, and restarts it on the next call', async () => {
    const db = pool.get('killed', 'live');
    await db.execute('CREATE TABLE IF NOT EXISTS t (x)');
    const pid = pidOf(db)!;
    const running = db.query(RUNAWAY);
    await sleep(100);
    process.kill(pid, 'SIGKILL');
    await expect(running).rejects.toThrow(/database process stopped \(SIGKILL\) before answering/);
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    expect(pidOf(db)).not.toBe(pid);
  });

  it('restarts a process killed while idle', async () => {
    const db = pool.get('killed-idle', 'live');
    await db.query('SELECT 1');
    const pid = pidOf(db)!;
    process.kill(pid, 'SIGKILL');
    // Until its exit is noticed (a moment on a loaded machine), a call may still go to the dead process.
    for (const deadline = Date.now() + 10_000; pidOf(db) === pid && Date.now() < deadline; ) await sleep(20);
    expect(await db.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    expect(pidOf(db)).not.toBe(pid);
  });

  it('stops an idle process after idleMs and starts again on demand', async () => {
    const db = pool.get('idle', 'live');
    await db.execute('CREATE TABLE IF NOT EXISTS t (x)');
    await db.execute('INSERT INTO t VALUES (1)');
    const pid = pidOf(db)!;
    await sleep(700);
    expect(pidOf(db)).toBeUndefined();
    expect(alive(pid)).toBe(false);
    expect(await db.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
  });

  it("runs one tenant's calls in order", async () => {
    const db = pool.get('ordered', 'live');
    await db.execute('CREATE TABLE IF NOT EXISTS t (i INT)');
    await Promise.all(Array.from({ length: 20 }, (_, i) => db.execute('INSERT INTO t VALUES (?)', [i])));
    expect((await db.query('SELECT i FROM t ORDER BY rowid')).map((r) => r.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('does not leave a busy db process behind when the platform process is killed', async () => {
    const poolModule = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pool.ts');
    const script = `
      const { createTenantDbPool } = await import(${JSON.stringify(poolModule)});
      const db = createTenantDbPool({ dataDir: ${JSON.stringify(dataDir)}, queryTimeoutMs: 60000 }).get('orphan');
      await db.query('SELECT 1');
      process.stdout.write(String(db.host.pid));
      db.query(${JSON.stringify(RUNAWAY)}).catch(() => {});
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300);`;
    const platform = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    platform.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => platform.once('exit', resolve));
    const pid = Number(output.trim());
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 4000;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    expect(alive(pid)).toBe(false);
  });
});
