import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalRuntime, type FunctionRequest, type TenantDbAccess } from './index.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-runtime-'));
const dbCalls: Array<{ tenant: string; op: string; sql: string; params: unknown }> = [];
const fakeDb = (tenant: string): TenantDbAccess => ({
  async query(sql, params) {
    dbCalls.push({ tenant, op: 'query', sql, params });
    if (sql.includes('fail')) throw new Error('no such table: fail');
    return [{ tenant, sql }];
  },
  async execute(sql, params) {
    dbCalls.push({ tenant, op: 'execute', sql, params });
    return { changes: 1, lastInsertRowid: 7 };
  },
});
const runtime = createLocalRuntime({ dataDir, db: fakeDb, limits: { timeoutMs: 1500, memoryMb: 64, maxResponseBytes: 64 * 1024 } });
afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const fn = (name: string, code: string) => ({ name, code, hash: createHash('sha256').update(code).digest('hex') });
const get = (url = '/', headers: Record<string, string> = {}, body = ''): FunctionRequest => ({ method: body ? 'POST' : 'GET', url, headers, body: Buffer.from(body) });
async function call(code: string, request: FunctionRequest = get(), tenant = 't1') {
  const result = await runtime.invoke(tenant, fn('f', code), request);
  return { ...result, text: result.response.body.toString('utf8'), type: result.response.headers['content-type'] };
}

describe('Fission contract', () => {
  it.each([
    ['object', `{ a: 1 }`, 'application/json; charset=utf-8', '{"a":1}'],
    ['array', `[1, 2]`, 'application/json; charset=utf-8', '[1,2]'],
    ['number', `42`, 'application/json; charset=utf-8', '42'],
    ['boolean', `false`, 'application/json; charset=utf-8', 'false'],
    ['string', `'hello'`, 'text/html; charset=utf-8', 'hello'],
    ['buffer', `Buffer.from('raw')`, 'application/octet-stream', 'raw'],
  ])('sends a %s body as Fission does', async (_kind, body, type, text) => {
    const answer = await call(`module.exports = async () => ({ status: 200, body: ${body} })`);
    expect(answer.response.status).toBe(200);
    expect(answer.type).toBe(type);
    expect(answer.text).toBe(text);
  });

  it('keeps status and headers, and sends no body when there is none', async () => {
    const answer = await call(`module.exports = async () => ({ status: 201, headers: { 'X-Id': 5, 'Content-Type': 'text/plain' }, body: 'made' })`);
    expect(answer.response.status).toBe(201);
    expect(answer.response.headers['x-id']).toBe('5');
    expect(answer.type).toBe('text/plain; charset=utf-8');
    const empty = await call(`module.exports = async () => ({ status: 204 })`);
    expect(empty.response.status).toBe(204);
    expect(empty.response.body.length).toBe(0);
    expect(empty.type).toBeUndefined();
  });

  it('answers 500 for throws, rejections, undefined and a missing status', async () => {
    const thrown = await call(`module.exports = async () => { throw new Error('kaput') }`);
    expect(thrown.response.status).toBe(500);
    expect(thrown.text).toBe('Internal server error');
    expect(thrown.logs.map((l) => l.message).join('\n')).toContain('kaput');
    expect((await call(`module.exports = async () => undefined`)).response.status).toBe(500);
    const noStatus = await call(`module.exports = async () => ({ body: 'x' })`);
    expect(noStatus.response.status).toBe(500);
    expect(noStatus.text).toContain('no valid numeric status');
  });

  it('supports the callback style and ESM default exports', async () => {
    const callback = await call(`module.exports = function (context, callback) { callback(202, { via: 'callback' }, { 'x-a': 'b' }) }`);
    expect(callback.response.status).toBe(202);
    expect(callback.text).toBe('{"via":"callback"}');
    const esm = await call(`exports.default = async (ctx) => ({ status: 200, body: 'esm' })`);
    expect(esm.text).toBe('esm');
  });

  it('hands the function method, url, path, query, headers and parsed bodies', async () => {
    const echo = `module.exports = async ({ request }) => ({ status: 200, body: { method: request.method, url: request.url, path: request.path, query: request.query, body: Buffer.isBuffer(request.body) ? 'buffer' : request.body, agent: request.get('X-Agent') } })`;
    const json = await call(echo, { method: 'POST', url: '/sub?a=1&a=2&b=x', headers: { 'content-type': 'application/json', 'x-agent': 'test' }, body: Buffer.from('{"n":1}') });
    expect(JSON.parse(json.text)).toEqual({ method: 'POST', url: '/sub?a=1&a=2&b=x', path: '/sub', query: { a: ['1', '2'], b: 'x' }, body: { n: 1 }, agent: 'test' });
    const form = await call(echo, get('/', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1&b=two'));
    expect(JSON.parse(form.text).body).toEqual({ a: '1', b: 'two' });
    const text = await call(echo, get('/', { 'content-type': 'text/plain' }, 'plain'));
    expect(JSON.parse(text.text).body).toBe('plain');
    const raw = await call(echo, get('/', { 'content-type': 'application/octet-stream' }, 'bytes'));
    expect(JSON.parse(raw.text).body).toBe('buffer');
    const bad = await call(echo, get('/', { 'content-type': 'application/json' }, '{oops'));
    expect(bad.response.status).toBe(400);
  });

  it('captures console output per invocation', async () => {
    const answer = await call(`module.exports = async () => { console.log('hello', { a: 1 }); console.error('bad'); return { status: 200 } }`);
    expect(answer.logs.map((l) => [l.level, l.message])).toEqual([['log', "hello { a: 1 }"], ['error', 'bad']]);
    expect(runtime.logs('t1', { function: 'f' }).map((l) => l.message)).toContain('bad');
  });
});

describe('@tessera/db inside functions', () => {
  it('round-trips queries with bound parameters, in CJS and ESM-interop style', async () => {
    const answer = await call(`const db = require('@tessera/db'); const { execute } = require('@tessera/db');
      module.exports = async () => ({ status: 200, body: { rows: await db.query('SELECT ?', [1]), viaDefault: await db.default.query('SELECT 2'), exec: await execute('INSERT', { a: 1 }) } })`);
    expect(JSON.parse(answer.text)).toEqual({ rows: [{ tenant: 't1', sql: 'SELECT ?' }], viaDefault: [{ tenant: 't1', sql: 'SELECT 2' }], exec: { changes: 1, lastInsertRowid: 7 } });
    expect(dbCalls).toContainEqual({ tenant: 't1', op: 'query', sql: 'SELECT ?', params: [1] });
  });

  it('turns a db error into an exception inside the function', async () => {
    const answer = await call(`const db = require('@tessera/db'); module.exports = async () => { try { await db.query('SELECT * FROM fail') } catch (e) { return { status: 200, body: e.message } } }`);
    expect(answer.text).toBe('no such table: fail');
  });
});

describe('containment', () => {
  it('refuses dangerous modules, files, signals, network and the environment', async () => {
    const probe = `module.exports = async () => {
      const out = {};
      const attempt = (name, f) => { try { f(); out[name] = 'allowed'; } catch (e) { out[name] = 'refused'; } };
      attempt('fs', () => require('fs').readFileSync('/etc/passwd'));
      attempt('child_process', () => require('child_process').execSync('id'));
      attempt('net', () => require('net'));
      attempt('http', () => require('http'));
      attempt('kill', () => process.kill(process.ppid, 'SIGTERM'));
      attempt('mainModule', () => process.mainModule.require('fs'));
      attempt('binding', () => process.binding('fs'));
      out.fetch = typeof fetch;
      out.env = Object.keys(process.env).sort();
      out.crypto = require('crypto').createHash('sha1').update('x').digest('hex').length;
      try { await import('fs'); out.import = 'allowed'; } catch (e) { out.import = 'refused'; }
      return { status: 200, body: out };
    }`;
    const out = JSON.parse((await call(probe)).text);
    expect(out).toEqual({ fs: 'refused', child_process: 'refused', net: 'refused', http: 'refused', kill: 'refused', mainModule: 'refused', binding: 'refused', fetch: 'undefined', env: ['NODE_ENV', 'TZ'], crypto: 40, import: 'refused' });
  });

  it('stops an endless loop with 504, keeps other tenants serving, and recovers', async () => {
    const loop = call(`module.exports = async () => { while (true) {} }`, get(), 'looper');
    const started = Date.now();
    const other = await call(`module.exports = async () => ({ status: 200, body: 'still here' })`, get(), 't2');
    expect(other.text).toBe('still here');
    expect(Date.now() - started).toBeLessThan(1000);
    const stuck = await loop;
    expect(stuck.response.status).toBe(504);
    expect(stuck.text).toContain('exceeded its 1.5 s limit');
    expect((await call(`module.exports = async () => ({ status: 200, body: 'back' })`, get(), 'looper')).text).toBe('back');
  });

  it('survives a heap bomb and process.exit with 502', async () => {
    const bomb = await call(`module.exports = async () => { const a = []; while (true) a.push(new Array(1e6).fill(1)); }`, get(), 'bomber');
    expect(bomb.response.status).toBe(502);
    expect(bomb.text).toContain('FUNCTION_CRASHED');
    const exit = await call(`module.exports = async () => { process.exit(1) }`, get(), 'bomber');
    expect(exit.response.status).toBe(502);
    expect((await call(`module.exports = async () => ({ status: 200, body: 'ok' })`, get(), 'bomber')).text).toBe('ok');
  });

  it('limits the response size', async () => {
    const big = await call(`module.exports = async () => ({ status: 200, body: 'x'.repeat(100000) })`);
    // Refused inside the sandbox, before the body crosses to the platform.
    expect(big.response.status).toBe(500);
    expect(big.text).toContain('limit');
  });

  it('runs each tenant in its own process', async () => {
    const marker = `module.exports = async () => ({ status: 200, body: (globalThis.marker ??= Math.random()) })`;
    const a = (await call(marker, get(), 'pa')).text;
    const b = (await call(marker, get(), 'pb')).text;
    expect(a).not.toBe(b);
    expect((await call(marker, get(), 'pa')).text).toBe(a);
  });

  it('runs in bubblewrap namespaces as nobody where bubblewrap works', async () => {
    const isolation = await runtime.isolation();
    const probe = await call(`module.exports = async () => ({ status: 200, body: { pid: process.pid, uid: process.getuid(), ppid: process.ppid } })`, get(), 'ns');
    const seen = JSON.parse(probe.text);
    if (isolation === 'bubblewrap') {
      // A pid namespace of its own: the platform's processes do not exist in there.
      expect(seen.pid).toBeLessThan(10);
      expect(seen.uid).toBe(65534);
    } else {
      expect(isolation).toBe('process');
      expect(seen.pid).not.toBe(process.pid);
    }
  });
});

describe('check()', () => {
  it('accepts a function and reports load failures precisely', async () => {
    await expect(runtime.check('t1', fn('ok', 'module.exports = async () => ({ status: 200 })'))).resolves.toBeUndefined();
    await expect(runtime.check('t1', fn('boom', 'throw new Error("top-level boom")'))).rejects.toMatchObject({ code: 'FUNCTION_INVALID', message: expect.stringContaining('top-level boom') });
    await expect(runtime.check('t1', fn('obj', 'module.exports = { handler: 1 }'))).rejects.toThrow(/does not export a function/);
  });
});

describe('logs and metrics', () => {
  it('keeps structured records per call and counts calls, errors and durations', async () => {
    const code = `module.exports = async ({ request }) => { console.log('handling', request.query.n); if (request.query.n === '3') throw new Error('three is bad'); return { status: 200, body: 'ok' }; }`;
    const seen: string[] = [];
    const stop = runtime.followLogs('logs', (record) => seen.push(`${record.source}:${record.message}`));
    const first = await runtime.invoke('logs', fn('counted', code), get('/?n=1'));
    const before = runtime.logs('logs', { function: 'counted' }).at(-1)!.seq;
    await runtime.invoke('logs', fn('counted', code), get('/?n=2'));
    await runtime.invoke('logs', fn('counted', code), get('/?n=3'));
    stop();
    const records = runtime.logs('logs', { function: 'counted' });
    const ofFirst = records.filter((r) => r.requestId === first.requestId);
    expect(ofFirst.map((r) => [r.source, r.message])).toEqual([
      ['platform', 'start GET /?n=1'],
      ['console', 'handling 1'],
      ['platform', expect.stringMatching(/^end 200 in [\d.]+ ms$/)],
    ]);
    expect(ofFirst.at(-1)).toMatchObject({ status: 200, durationMs: expect.any(Number) });
    const after = runtime.logs('logs', { function: 'counted', since: before });
    expect(after.every((r) => r.seq > before)).toBe(true);
    expect(after.map((r) => r.message)).toContain('handling 3');
    expect(after.map((r) => r.message).join('\n')).toContain('three is bad');
    expect(seen).toContain('console:handling 2');
    const metrics = runtime.metrics('logs', 'counted');
    expect(metrics).toMatchObject({ invocations: 3, errors: 1, lastError: { status: 500 } });
    expect(metrics.p50Ms).toBeGreaterThan(0);
    expect(metrics.p99Ms).toBeGreaterThanOrEqual(metrics.p50Ms!);
  });

  it('answers 429 past the per-tenant concurrency limit', async () => {
    const limited = createLocalRuntime({ dataDir, db: fakeDb, limits: { timeoutMs: 5000, memoryMb: 64, maxResponseBytes: 1024, concurrency: 2 } });
    try {
      const slow = fn('slow', `module.exports = async () => { await new Promise((r) => setTimeout(r, 300)); return { status: 200, body: 'done' }; }`);
      const answers = await Promise.all([1, 2, 3].map(() => limited.invoke('busy', slow, get())));
      expect(answers.map((a) => a.response.status).sort()).toEqual([200, 200, 429]);
      expect(answers.find((a) => a.response.status === 429)!.response.body.toString()).toContain('limit is 2');
    } finally {
      await limited.close();
    }
  });
});

describe('V8 code cache', () => {
  it('keeps the code cache of a first compile and uses it in the next process', async () => {
    // A function big enough for the cache to matter: many small helper functions.
    const helpers = Array.from({ length: 300 }, (_, i) => `function h${i}(x) { return x + ${i}; }`).join('\n');
    const code = `${helpers}\nmodule.exports = async () => ({ status: 200, body: { sum: h1(1) + h299(1) } })`;
    const source = fn('cached', code);
    expect(runtime.hasCodeCache(source.hash)).toBe(false);
    expect((await runtime.invoke('cache', source, get())).response.body.toString()).toBe('{"sum":302}');
    expect(runtime.hasCodeCache(source.hash)).toBe(true);
    await runtime.stopTenant('cache');
    // A fresh process compiles with the cached data and answers the same.
    expect((await runtime.invoke('cache', source, get())).response.body.toString()).toBe('{"sum":302}');
    expect(runtime.hasCodeCache(source.hash)).toBe(true);
  });
});
