import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detectIsolation } from '../runtime/host/sandbox-process.ts';
import type { DbProcess } from './host.ts';
import { createTenantDbPool, type TenantDb } from './index.ts';
import type { ProcessFacts } from './protocol.ts';
import { DEFAULT_DB_PROCESS_LIMITS } from './sandbox.ts';

/**
 * The db process's bounds against a hostile tenant: the size quota inside SQLite, the SQL size
 * limit, the sandbox and its memory cap, the result limit while reading, inherited descriptors.
 */
const MIB = 1024 * 1024;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-db-guard-'));
const pool = createTenantDbPool({ dataDir, queryTimeoutMs: 20_000, idleMs: 5000, maxDbBytes: 2 * MIB });
afterAll(async () => {
  await pool.closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const hostOf = (db: TenantDb): DbProcess => (db as unknown as { host: DbProcess }).host;
const inspect = (db: TenantDb): Promise<ProcessFacts> => hostOf(db).call<ProcessFacts>({ op: 'inspect' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process and all its descendants (bwrap's child runs in its own pid namespace). */
function treeRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const current = stack.pop()!;
    try {
      total += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${current}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      for (const task of readdirSync(`/proc/${current}/task`)) {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim();
        if (children) stack.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // Exited meanwhile.
    }
  }
  return total;
}

/** Runs `work` while sampling the db process tree's RSS every 10 ms; returns the peak seen. */
async function peakRssDuring(db: TenantDb, work: () => Promise<unknown>): Promise<{ peak: number; outcome: PromiseSettledResult<unknown> }> {
  await db.query('SELECT 1');
  const pid = hostOf(db).pid!;
  let peak = treeRss(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(pid))), 10);
  const [outcome] = await Promise.allSettled([work()]);
  clearInterval(sampler);
  return { peak, outcome: outcome! };
}

describe('APP_DB_MAX_BYTES', () => {
  it('refuses a write past the limit inside SQLite with QUOTA_EXCEEDED naming it, and the database stays usable', async () => {
    const db = pool.get('quota-fn', 'live');
    await db.execute('CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB)');
    await db.execute('INSERT INTO blobs (data) VALUES (zeroblob(100000))');
    const error = await db.execute('INSERT INTO blobs (data) VALUES (zeroblob(3000000))').catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 413, message: expect.stringContaining('at most 2 MiB (APP_DB_MAX_BYTES)') });
    // Many small rows in one statement meet the same wall, and nothing of that statement stays.
    await expect(
      db.execute(
        'INSERT INTO blobs (data) SELECT zeroblob(10000) FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT 1000) SELECT i FROM c)',
      ),
    ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(await db.query('SELECT count(*) AS n, sum(length(data)) AS bytes FROM blobs')).toEqual([{ n: 1, bytes: 100000 }]);
    expect(await db.execute('INSERT INTO blobs (data) VALUES (zeroblob(1000))')).toMatchObject({ changes: 1 });
    expect(await db.query('SELECT count(*) AS n FROM blobs')).toEqual([{ n: 2 }]);
    const file = path.join(dataDir, 'tenants', 'quota-fn', 'db', 'app.sqlite');
    expect(readFileSync(file).length).toBeLessThanOrEqual(2 * MIB);
  });

  it('refuses a migration past the limit as a whole (nothing applied, the version unchanged)', async () => {
    const db = pool.get('quota-schema', 'live');
    await expect(db.beginMigration('CREATE TABLE big (data BLOB); INSERT INTO big VALUES (zeroblob(5000000))', 1)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringMatching(/^Statement 2 of 2 failed; nothing was applied\. The app's database is full: it may hold at most 2 MiB/),
    });
    expect(await db.currentVersion()).toBe(0);
    expect(await db.describe()).toEqual([]);
    const pending = await db.beginMigration('CREATE TABLE small (data BLOB); INSERT INTO small VALUES (zeroblob(1000))', 1);
    await pending.commit();
    expect(await db.currentVersion()).toBe(1);
  });
});

describe('SQL_MAX_BYTES and where SQL is checked', () => {
  it('refuses SQL over 1 MiB at once, without splitting it', async () => {
    const db = pool.get('big-sql', 'live');
    const huge = `SELECT '${'x'.repeat(8 * MIB)}'`;
    const started = performance.now();
    await expect(db.query(huge)).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      message: expect.stringContaining('over 1 MiB, the most one call may send (SQL_MAX_BYTES)'),
    });
    expect(performance.now() - started).toBeLessThan(50);
    // Multi-byte characters count as bytes: 400 k of "é" is 800 kB, 600 k is 1.2 MB.
    expect(await db.query(`SELECT length('${'é'.repeat(400_000)}') AS n`)).toEqual([{ n: 400_000 }]);
    await expect(db.query(`SELECT length('${'é'.repeat(600_000)}') AS n`)).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    await expect(db.beginMigration(`CREATE TABLE t (x); ${'-- padding\n'.repeat(120_000)}`, 1)).rejects.toMatchObject({ code: 'SQL_REFUSED' });
  });

  it('never stalls the platform: a bystander tenant keeps its p99 while 9 MB and 1 MB SQL strings arrive', async () => {
    const attacker = pool.get('sql-attacker', 'live');
    const calm = pool.get('sql-bystander', 'live');
    await Promise.all([attacker.query('SELECT 1'), calm.query('SELECT 1')]);
    const huge = `SELECT '${'x'.repeat(9 * MIB)}'`;
    // Just under the limit: split and checked in the attacker's own db process, never here.
    const large = `SELECT length('${'y'.repeat(1_000_000)}') AS n /* ${'z '.repeat(20_000)} */`;
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const latencies: number[] = [];
    let attacking = true;
    const bystander = (async () => {
      while (attacking) {
        const started = performance.now();
        await calm.query('SELECT 1 AS one');
        latencies.push(performance.now() - started);
        await sleep(20);
      }
    })();
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      outcomes.push(
        await attacker.query(huge).then(
          () => 'ran',
          (err: { code: string }) => err.code,
        ),
      );
      outcomes.push(
        await attacker.query(large).then(
          () => 'ran',
          (err: { code: string }) => err.code,
        ),
      );
    }
    attacking = false;
    await bystander;
    loopDelay.disable();
    const sorted = latencies.sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1]!;
    console.log(
      `SQL flood at the pool: bystander ${latencies.length} calls, p99 ${p99.toFixed(1)} ms, platform event loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
    );
    expect(outcomes.filter((_, i) => i % 2 === 0)).toEqual(Array(6).fill('SQL_REFUSED'));
    expect(outcomes.filter((_, i) => i % 2 === 1)).toEqual(Array(6).fill('ran'));
    expect(p99).toBeLessThan(200);
    expect(loopDelay.max / 1e6).toBeLessThan(100);
  });

  it('checks large SQL inside the db process with the same policy (refusals, statement count)', async () => {
    const db = pool.get('large-sql', 'live');
    const padding = `/* ${'p'.repeat(200_000)} */`;
    await expect(db.query(`${padding} ATTACH DATABASE 'x.db' AS x`)).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      message: expect.stringContaining('ATTACH is not allowed'),
    });
    await expect(db.query(`SELECT 1; ${padding} SELECT 2`)).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      message: expect.stringContaining('exactly one SQL statement'),
    });
    await expect(db.beginMigration(`CREATE TABLE t (x); ${padding} PRAGMA user_version = 7`, 1)).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      message: expect.stringContaining('PRAGMA is not allowed'),
    });
    await expect(db.beginMigration(padding, 1)).rejects.toMatchObject({ code: 'SQL_REFUSED', message: expect.stringContaining('holds no statement') });
    expect(await db.currentVersion()).toBe(0);
    expect(await db.query(`SELECT 40 + 2 AS n ${padding}`)).toEqual([{ n: 42 }]);
  });

  it('reads ?NNN as SQLite does: no refused word or statement hides behind a numbered parameter', async () => {
    const db = pool.get('numbered', 'live');
    await db.execute('CREATE TABLE IF NOT EXISTS t (x)');
    const attempts = [
      'SELECT ?1ATTACH',
      "SELECT ?1ATTACH DATABASE 'other.db' AS o",
      'SELECT ?1PRAGMA_database_list',
      'SELECT * FROM t WHERE x = ?1VACUUM',
      "SELECT ?2load_extension('x')",
      'SELECT * FROM t, ?1sqlite_dbpage',
      'INSERT INTO t VALUES (?1PRAGMA)',
    ];
    for (const sql of attempts) {
      await expect(db.query(sql, [1, 2]), sql).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    }
    const migration = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT ?1END; ATTACH 'x.db' AS x; END";
    await expect(db.beginMigration(migration, 1)).rejects.toMatchObject({ code: 'SQL_REFUSED' });
    expect(existsSync(path.join(dataDir, 'tenants', 'numbered', 'db', 'other.db'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'tenants', 'numbered', 'db', 'x.db'))).toBe(false);
    // Parameters themselves still work.
    expect(await db.query('SELECT ? + ? AS sum', [40, 2])).toEqual([{ sum: 42 }]);
  });
});

describe('the db process sandbox', () => {
  it('runs in bubblewrap (where it works) as nobody, without network, with a memory cap', async (ctx) => {
    if ((await detectIsolation()) !== 'bubblewrap') ctx.skip();
    const db = pool.get('sandboxed', 'live');
    await db.query('SELECT 1');
    const facts = await inspect(db);
    expect(facts).toMatchObject({ uid: 65534, hostname: 'tessera-db', interfaces: [] });
    console.log(
      `db process idle: RSS ${Math.round(facts.rssBytes / MIB)} MB, address space ${Math.round(facts.addressSpaceBytes / MIB)} MB of ${DEFAULT_DB_PROCESS_LIMITS.addressSpaceMb} MB`,
    );
    const pid = hostOf(db).pid!;
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    expect(limits).toMatch(new RegExp(`Max address space\\s+${DEFAULT_DB_PROCESS_LIMITS.addressSpaceMb * MIB}`));
  });

  it('keeps one row of 3 x 300 MB zeroblob under the cap: a clear error, then the next call works', async () => {
    const db = pool.get('zeroblob-row', 'live');
    const { peak, outcome } = await peakRssDuring(db, () => db.query('SELECT zeroblob(300000000) AS a, zeroblob(300000000) AS b, zeroblob(300000000) AS c'));
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toMatchObject({
      code: 'SQL_ERROR',
      message: expect.stringMatching(/more memory than the app's database/),
    });
    console.log(
      `db process tree peak RSS during 3 x 300 MB zeroblob row: ${Math.round(peak / MIB)} MB (address-space cap ${DEFAULT_DB_PROCESS_LIMITS.addressSpaceMb} MB)`,
    );
    expect(peak).toBeLessThan(DEFAULT_DB_PROCESS_LIMITS.addressSpaceMb * MIB);
    expect(await db.query('SELECT 42 AS n')).toEqual([{ n: 42 }]);
  });

  it('stops reading at the result limit, not after: 100 rows of 1 MB never all reach memory', async () => {
    const db = pool.get('result-limit', 'live');
    const { peak, outcome } = await peakRssDuring(db, () =>
      db.query('WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT 400) SELECT i, zeroblob(1000000) AS blob FROM c'),
    );
    expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'SQL_ERROR', message: expect.stringMatching(/larger than 8 MB \(after 8 rows\)/) });
    console.log(`db process tree peak RSS while refusing 400 x 1 MB rows: ${Math.round(peak / MIB)} MB`);
    expect(peak).toBeLessThan(250 * MIB);
  });

  it('starts with only fds 0-3 of its own: descriptors the platform inherited are closed', async () => {
    const fifo = path.join(dataDir, 'inherited.fifo');
    const poolModule = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pool.ts');
    const script = `
      const { createTenantDbPool } = await import(${JSON.stringify(poolModule)});
      const pool = createTenantDbPool({ dataDir: ${JSON.stringify(dataDir)} });
      const db = pool.get('inherits');
      await db.query('SELECT 1');
      const facts = await db.host.call({ op: 'inspect' });
      process.stdout.write(JSON.stringify(facts));
      await pool.closeAll();`;
    // The launcher leaves a FIFO open on fd 40 without close-on-exec, as in the review (bash: dash has fds 0-9 only).
    const launcher = `mkfifo ${JSON.stringify(fifo)} && exec 40<>${JSON.stringify(fifo)} && exec "$0" "$@"`;
    const platform = spawn('bash', ['-c', launcher, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    platform.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => platform.once('exit', resolve));
    expect(code).toBe(0);
    const facts = JSON.parse(output) as ProcessFacts;
    expect(facts.closedAtStart).toContain(40);
    expect(facts.fds).not.toContain(40);
    // What remains above 3 is Node's own (epoll, eventfd, its pipes), all opened close-on-exec.
    expect(facts.fds.slice(0, 4)).toEqual([0, 1, 2, 3]);
  });

  it('falls back to a plain memory-capped process where bubblewrap is not used', async () => {
    const fallback = createTenantDbPool({ dataDir, isolation: 'process', maxDbBytes: 2 * MIB });
    try {
      const db = fallback.get('fallback', 'live');
      await db.execute('CREATE TABLE IF NOT EXISTS t (x)');
      await expect(db.execute('INSERT INTO t VALUES (zeroblob(3000000))')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
      const facts = await inspect(db);
      expect(facts.uid).toBe(process.getuid!());
      expect(readFileSync(`/proc/${hostOf(db).pid}/limits`, 'utf8')).toMatch(/Max address space\s+\d+/);
    } finally {
      await fallback.closeAll();
      await sleep(10);
    }
  });
});
