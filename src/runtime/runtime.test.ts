import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { createLocalRuntime, type FunctionRequest, type TenantDbAccess } from './index.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-runtime-'));
const dbCalls: Array<{ tenant: string; op: string; sql: string; params: unknown }> = [];
/** An in-memory stand-in for the tenant database: records calls, fails on "fail", refuses "DROP" like the policy. */
const fakeDb = (tenant: string): TenantDbAccess => ({
  async query(sql, params) {
    dbCalls.push({ tenant, op: 'query', sql, params });
    if (sql.includes('fail')) throw new TesseraError('SQL_ERROR', 'no such table: fail');
    if (sql.includes('slow')) await new Promise((resolve) => setTimeout(resolve, 200));
    return [{ tenant, sql, blob: Buffer.from('b') }];
  },
  async execute(sql, params) {
    dbCalls.push({ tenant, op: 'execute', sql, params });
    if (sql.startsWith('DROP')) throw new Error('plain error');
    return { changes: 1, lastInsertRowid: 7 };
  },
});
const runtime = createLocalRuntime({ dataDir, db: fakeDb, limits: { timeoutMs: 3000, memoryMb: 64, maxResponseBytes: 64 * 1024 } });
afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const fn = (name: string, code: string) => ({ name, code, hash: createHash('sha256').update(code).digest('hex') });
const get = (url = '/'): FunctionRequest => ({ method: 'GET', url, headers: {}, body: Buffer.alloc(0), database: 'live' });
async function call(code: string, tenant = 't1', name = 'f', request = get()) {
  const result = await runtime.invoke(tenant, fn(name, code), request);
  return { ...result, status: result.response.status, text: result.response.body.toString('utf8') };
}

describe('@tessera/db inside functions', () => {
  it('round-trips queries and executes with bound parameters, in CommonJS and ESM-interop style', async () => {
    const answer = await call(`const db = require('@tessera/db'); const { execute } = require('@tessera/db');
      const esm = require('@tessera/db').default;
      module.exports = async () => { const rows = await db.query('SELECT ?', [1]); return { status: 200, body: { rows, blob: Buffer.isBuffer(rows[0].blob), viaDefault: await esm.query('SELECT 2'), exec: await execute('INSERT', { a: 1 }), esModule: db.__esModule } } }`);
    expect(JSON.parse(answer.text)).toEqual({
      rows: [{ tenant: 't1', sql: 'SELECT ?', blob: { type: 'Buffer', data: [98] } }],
      blob: true,
      viaDefault: [{ tenant: 't1', sql: 'SELECT 2', blob: { type: 'Buffer', data: [98] } }],
      exec: { changes: 1, lastInsertRowid: 7 },
      esModule: true,
    });
    expect(dbCalls).toContainEqual({ tenant: 't1', op: 'query', sql: 'SELECT ?', params: [1] });
    expect(dbCalls).toContainEqual({ tenant: 't1', op: 'execute', sql: 'INSERT', params: { a: 1 } });
  });

  it('turns a database error into an Error inside the function, with the message and code', async () => {
    const answer = await call(`const db = require('@tessera/db'); module.exports = async () => {
      const out = [];
      for (const f of [() => db.query('SELECT * FROM fail'), () => db.execute('DROP TABLE x'), () => db.query('SELECT ?', [() => 1]), () => db.query(42)]) {
        try { await f(); out.push('ok'); } catch (e) { out.push([e.constructor.name, e.code ?? null, e.message.slice(0, 120)]); }
      }
      return { status: 200, body: out } }`);
    expect(JSON.parse(answer.text)).toEqual([
      ['Error', 'SQL_ERROR', 'no such table: fail'],
      ['Error', null, 'plain error'],
      ['TypeError', null, expect.stringContaining('the parameters cannot be sent to the database')],
      ['TypeError', null, 'db.query(sql, params): sql must be a string, got number'],
    ]);
  });

  it('refuses database calls of a request that has already been answered', async () => {
    const code = `const db = require('@tessera/db'); let late;
      module.exports = async ({ request }) => {
        if (request.query.step === '1') { setTimeout(() => { late = db.query('SELECT late').then(() => 'ran', (e) => e.message); }, 50); return { status: 200, body: 'answered' }; }
        return { status: 200, body: await late };
      }`;
    expect((await call(code, 'late-db', 'f', get('/?step=1'))).text).toBe('answered');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await call(code, 'late-db', 'f', get('/?step=2'))).text).toContain('belongs to a request that has already been answered');
    expect(dbCalls.some((c) => c.sql === 'SELECT late')).toBe(false);
  });
});

describe('console capture and logs', () => {
  it("returns the call's console lines with level and time, formatted as Node does", async () => {
    const answer = await call(
      `console.log('loading');
      module.exports = async () => { console.log('hello', { a: 1 }, 5); console.info('i'); console.warn('w'); console.error('e'); console.debug('d'); console.dir([1]); return { status: 200 } }`,
      't1',
      'levels',
    );
    expect(answer.logs.map((l) => [l.level, l.message])).toEqual([
      ['log', 'loading'],
      ['log', 'hello { a: 1 } 5'],
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
      ['debug', 'd'],
      ['log', '[ 1 ]'],
    ]);
    expect(answer.logs.every((l) => !Number.isNaN(Date.parse(l.time)))).toBe(true);
  });

  it('keeps at most 200 lines of a call and says how many it dropped', async () => {
    const answer = await call(`module.exports = async () => { for (let i = 0; i < 250; i++) console.log('line', i); return { status: 200 } }`, 't1', 'chatty');
    expect(answer.logs).toHaveLength(201);
    expect(answer.logs.at(-1)!.message).toContain('50 more console lines of this call were dropped');
  });

  it('keeps lines printed after the answer, tied to their call', async () => {
    const answer = await call(`module.exports = async () => { setTimeout(() => console.log('after the answer'), 30); return { status: 200 } }`, 't1', 'late');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const late = runtime.logs('t1', { function: 'late' }).find((r) => r.message === 'after the answer');
    expect(late).toMatchObject({ source: 'console', requestId: answer.requestId });
  });

  it("keeps a ring per function, so one chatty function does not push out another's records", async () => {
    await call(`module.exports = async () => { console.log('quiet one'); return { status: 200 } }`, 'ring', 'quiet');
    const noisy = `module.exports = async () => { for (let i = 0; i < 150; i++) console.log('noise'); return { status: 200 } }`;
    for (let i = 0; i < 5; i++) await call(noisy, 'ring', 'noisy');
    expect(runtime.logs('ring', { function: 'noisy', limit: 10_000 })).toHaveLength(500);
    expect(runtime.logs('ring', { function: 'quiet' }).map((r) => r.message)).toContain('quiet one');
  });

  it('keeps structured records per call and counts calls, errors and durations', async () => {
    const code = `module.exports = async ({ request }) => { console.log('handling', request.query.n); if (request.query.n === '3') throw new Error('three is bad'); return { status: 200, body: 'ok' }; }`;
    const seen: string[] = [];
    const stop = runtime.followLogs('logs', (record) => seen.push(`${record.source}:${record.message}`));
    const first = await runtime.invoke('logs', fn('counted', code), get('/?n=1'));
    const before = runtime.logs('logs', { function: 'counted' }).at(-1)!.seq;
    await runtime.invoke('logs', fn('counted', code), get('/?n=2'));
    await runtime.invoke('logs', fn('counted', code), get('/?n=3'));
    stop();
    const ofFirst = runtime.logs('logs', { function: 'counted' }).filter((r) => r.requestId === first.requestId);
    expect(ofFirst.map((r) => [r.source, r.message])).toEqual([
      ['platform', 'start GET /?n=1'],
      ['console', 'handling 1'],
      ['platform', expect.stringMatching(/^end 200 in [\d.]+ ms$/)],
    ]);
    const after = runtime.logs('logs', { function: 'counted', since: before });
    expect(after.every((r) => r.seq > before)).toBe(true);
    expect(after.map((r) => r.message).join('\n')).toContain('three is bad');
    expect(seen).toContain('console:handling 2');
    const metrics = runtime.metrics('logs', 'counted');
    expect(metrics).toMatchObject({ invocations: 3, errors: 1, lastError: { status: 500 } });
    expect(metrics.p99Ms).toBeGreaterThanOrEqual(metrics.p50Ms!);
  });
});

describe('check()', () => {
  it('accepts a function, and with a sample request calls it', async () => {
    await expect(runtime.check('t1', fn('ok', 'module.exports = async () => ({ status: 200 })'))).resolves.toEqual({});
    const { invoked } = await runtime.check(
      't1',
      fn('hi', `module.exports = async (c) => { console.log('sampled'); return { status: 200, body: 'hi ' + c.request.query.n } }`),
      get('/?n=7'),
    );
    expect([invoked?.response.status, invoked?.response.body.toString(), invoked?.logs[0]?.message]).toEqual([200, 'hi 7', 'sampled']);
  });

  it('reports a syntax error with its line and column', async () => {
    const error = await runtime.check('t1', fn('syntax', 'const a = 1;\nfoo bar;\nmodule.exports = () => a;')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TesseraError);
    expect(error).toMatchObject({
      code: 'FUNCTION_INVALID',
      message: expect.stringContaining("SyntaxError: Unexpected identifier 'bar' (line 2, column 5)"),
      details: { file: 'functions/syntax.js', line: 2, column: 5, lineText: 'foo bar;' },
    });
  });

  it('reports a throw at load time where it happened, and a non-function export', async () => {
    await expect(runtime.check('t1', fn('boom', '\n\nthrow new Error("top-level boom")'))).rejects.toMatchObject({
      code: 'FUNCTION_INVALID',
      message: expect.stringContaining('threw while loading: Error: top-level boom (line 3, column 7)'),
      details: { line: 3, column: 7 },
    });
    await expect(runtime.check('t1', fn('obj', 'module.exports = { handler: 1 }'))).rejects.toThrow(
      /does not export a function \(it exports an object with handler\)/,
    );
    await expect(runtime.check('t1', fn('fs', "require('fs'); module.exports = () => {}"))).rejects.toThrow(
      /Module "fs" is not available to Tessera functions/,
    );
  });

  it('does not disturb the version being served', async () => {
    const live = fn('served', `let n = 0; module.exports = async () => ({ status: 200, body: { n: ++n } })`);
    expect((await runtime.invoke('t1', live, get())).response.body.toString()).toBe('{"n":1}');
    await runtime.check('t1', live);
    await expect(runtime.check('t1', fn('served', 'nope('))).rejects.toMatchObject({ code: 'FUNCTION_INVALID' });
    expect((await runtime.invoke('t1', live, get())).response.body.toString()).toBe('{"n":2}');
  });
});

describe('limits and caching', () => {
  it('refuses a response body over the limit with 502, inside the sandbox', async () => {
    for (const body of [`'x'.repeat(100000)`, `require('stream').Readable.from(['x'.repeat(40000), 'y'.repeat(40000)])`]) {
      const big = await call(`module.exports = async () => ({ status: 200, body: ${body} })`);
      expect(big.status).toBe(502);
      expect(JSON.parse(big.text).error).toMatchObject({ code: 'FUNCTION_CRASHED', message: expect.stringMatching(/65536(-byte limit| bytes, the limit)/) });
    }
  });

  it('keeps module state per (name, hash): the same code under two names loads twice', async () => {
    const counter = `let n = 0; module.exports = async () => ({ status: 200, body: String(++n) })`;
    expect([(await call(counter, 'cache', 'a')).text, (await call(counter, 'cache', 'a')).text, (await call(counter, 'cache', 'b')).text]).toEqual([
      '1',
      '2',
      '1',
    ]);
  });

  it('stops an idle process, never one with a call in flight', async () => {
    const idle = createLocalRuntime({ dataDir, db: fakeDb, idleMs: 150, limits: { timeoutMs: 5000, memoryMb: 64, maxResponseBytes: 1024 } });
    try {
      const marker = fn(
        'marker',
        `module.exports = async ({ request }) => { await new Promise((r) => setTimeout(r, Number(request.query.wait ?? 0))); return { status: 200, body: String(globalThis.marker ??= Math.random()) } }`,
      );
      const first = (await idle.invoke('idle', marker, get())).response.body.toString();
      // A long call outlives the idle time armed by the short ones around it.
      const long = idle.invoke('idle', marker, get('/?wait=400'));
      await idle.invoke('idle', marker, get());
      expect((await long).response.body.toString()).toBe(first);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await idle.invoke('idle', marker, get())).response.body.toString()).not.toBe(first);
    } finally {
      await idle.close();
    }
  });

  it('runs WebAssembly under the address-space limit', async () => {
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    const wasm = '0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b';
    const answer = await call(
      `module.exports = async () => { const { instance } = await WebAssembly.instantiate(Buffer.from('${wasm}', 'hex')); const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); return { status: 200, body: { sum: instance.exports.add(2, 3), pages: memory.buffer.byteLength / 65536 } } }`,
    );
    expect(JSON.parse(answer.text)).toEqual({ sum: 5, pages: 1 });
  });

  it('answers 429 past the per-tenant concurrency limit', async () => {
    const limited = createLocalRuntime({ dataDir, db: fakeDb, limits: { timeoutMs: 5000, memoryMb: 64, maxResponseBytes: 1024, concurrency: 2 } });
    try {
      const slow = fn('slow', `module.exports = async () => { await new Promise((r) => setTimeout(r, 300)); return { status: 200, body: 'done' }; }`);
      const answers = await Promise.all([1, 2, 3].map(() => limited.invoke('busy', slow, get())));
      expect(answers.map((a) => a.response.status).sort()).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('keeps the V8 code cache a fresh process made before any tenant code ran, and uses it in the next process', async () => {
    const helpers = Array.from({ length: 300 }, (_, i) => `function h${i}(x) { return x + ${i}; }`).join('\n');
    const source = fn('cached', `${helpers}\nmodule.exports = async () => ({ status: 200, body: { sum: h1(1) + h299(1) } })`);
    const second = fn('second', `${helpers}\nmodule.exports = async () => ({ status: 200, body: 'second' })`);
    expect(runtime.hasCodeCache(source.hash)).toBe(false);
    expect((await runtime.invoke('code-cache', source, get())).response.body.toString()).toBe('{"sum":302}');
    // The process has run tenant code now: what it compiles next could be tampered with, so it is not kept.
    expect((await runtime.invoke('code-cache', second, get())).response.body.toString()).toBe('second');
    expect([runtime.hasCodeCache(source.hash), runtime.hasCodeCache(second.hash)]).toEqual([true, false]);
    await runtime.stopTenant('code-cache');
    expect((await runtime.invoke('code-cache', source, get())).response.body.toString()).toBe('{"sum":302}');
    const plain = createLocalRuntime({ dataDir, db: fakeDb, isolation: 'process', limits: { timeoutMs: 5000, memoryMb: 64, maxResponseBytes: 1024 } });
    try {
      const alone = fn('alone', `${helpers}\nmodule.exports = async () => ({ status: 200, body: 'alone' })`);
      expect((await plain.invoke('code-cache', alone, get())).response.body.toString()).toBe('alone');
      // Without bubblewrap a cache is never reused: bytecode V8 trusts could take a process past the permission model.
      expect(plain.hasCodeCache(alone.hash)).toBe(false);
    } finally {
      await plain.close();
    }
  });
});
