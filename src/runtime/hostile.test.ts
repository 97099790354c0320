import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantDbPool } from '../tenantdb/index.ts';
import { createLocalRuntime, type FunctionRequest } from './index.ts';

/**
 * Hostile functions, run through the real runtime (sandbox, real tenant databases). Each attack must
 * fail or be contained with the expected answer while another tenant keeps answering in its normal time.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-hostile-'));
const dbPool = createTenantDbPool({ dataDir });
const runtime = createLocalRuntime({
  dataDir,
  db: (t, kind) => dbPool.get(t, kind),
  limits: { timeoutMs: 2000, memoryMb: 96, maxResponseBytes: 1024 * 1024 },
  warmPool: 1,
});
const request: FunctionRequest = { method: 'GET', url: '/', headers: {}, body: Buffer.alloc(0), database: 'live' };
const fn = (name: string, code: string) => ({ name, code, hash: createHash('sha256').update(code).digest('hex') });
const bystander = fn(
  'ping',
  `const db = require('@tessera/db'); module.exports = async () => ({ status: 200, body: (await db.query('SELECT secret FROM vault'))[0] })`,
);
let normalMs = 0;

async function ping(): Promise<number> {
  const started = performance.now();
  const result = await runtime.invoke('bystander', bystander, request);
  expect(result.response.body.toString()).toBe('{"secret":"bystander-only"}');
  return performance.now() - started;
}

beforeAll(async () => {
  const pending = await dbPool.get('bystander', 'live').beginMigration("CREATE TABLE vault (secret TEXT); INSERT INTO vault VALUES ('bystander-only')", 1);
  await pending.commit();
  // The bystander's other files a tenant might go for: its draft database and a snapshot of its live data.
  await dbPool.get('bystander', 'live').copyTo('snapshots/one.sqlite');
  await (await dbPool.get('bystander', 'draft').beginMigration('CREATE TABLE drafts (x TEXT)', 1)).commit();
  const times: number[] = [];
  for (let i = 0; i < 20; i++) times.push(await ping());
  normalMs = times.sort((a, b) => a - b)[10]!;
});
afterAll(async () => {
  await runtime.close();
  await dbPool.closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the attack while the bystander is called every 50 ms; returns the attack's answer. */
async function attack(name: string, code: string) {
  const during: number[] = [];
  let running = true;
  const watcher = (async () => {
    while (running) {
      during.push(await ping());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const result = await runtime.invoke('attacker', fn(name, code), request);
  running = false;
  await watcher;
  // The bystander kept answering throughout. The bound sits well below the attacks' 2 s limit, so a
  // platform blocked by the attack would fail it, yet leaves room for a busy 2-core CI machine
  // (a heap bomb's garbage collection competes for the same cores).
  expect(during.length).toBeGreaterThan(0);
  expect(
    Math.max(...during),
    `bystander latencies during ${name} (normal ${normalMs.toFixed(1)} ms): ${during.map((t) => t.toFixed(1)).join(', ')}`,
  ).toBeLessThan(Math.max(750, normalMs * 20));
  return { status: result.response.status, text: result.response.body.toString('utf8') };
}

const probe = (body: string) =>
  `module.exports = async () => { try { ${body}; return { status: 200, body: 'ESCAPED' }; } catch (e) { return { status: 200, body: 'contained: ' + e.message }; } }`;

describe('hostile functions', () => {
  it.each([
    ['read /etc/passwd', "require('fs').readFileSync('/etc/passwd', 'utf8')"],
    ['read /etc/passwd through the binding', "process.binding('fs')"],
    ["read the platform's files", `require(${JSON.stringify(path.resolve('package.json'))})`],
    ["read another tenant's database file", `require(${JSON.stringify(path.join(dataDir, 'tenants', 'bystander', 'db', 'app.sqlite'))})`],
    [
      "attach another tenant's database",
      `await require('@tessera/db').query(${JSON.stringify(`ATTACH '${path.join(dataDir, 'tenants', 'bystander', 'db', 'app.sqlite')}' AS other`)})`,
    ],
    ["read another tenant's draft database file", `require(${JSON.stringify(path.join(dataDir, 'tenants', 'bystander', 'draft-db', 'app.sqlite'))})`],
    [
      "attach another tenant's draft database",
      `await require('@tessera/db').query(${JSON.stringify(`ATTACH '${path.join(dataDir, 'tenants', 'bystander', 'draft-db', 'app.sqlite')}' AS other`)})`,
    ],
    ["read another tenant's snapshots", `require('fs').readdirSync(${JSON.stringify(path.join(dataDir, 'tenants', 'bystander', 'db', 'snapshots'))})`],
    ['connect to PostgreSQL on 127.0.0.1:5432', "require('net').connect(5432, '127.0.0.1')"],
    ['call the platform over HTTP', "await fetch('http://127.0.0.1:3000/api/tenants')"],
    ['spawn a child process', "require('child_process').execSync('id')"],
    ['fork-bomb through workers', "new (require('worker_threads').Worker)('while(1){}', { eval: true })"],
    ['signal the platform', 'process.kill(process.ppid, "SIGKILL")'],
    ['escape through the main module', "process.mainModule.require('fs')"],
    ['dynamic import', "await import('node:fs')"],
    ['reach the network around require', "process.getBuiltinModule('net').connect(5432, '127.0.0.1')"],
    ['read host details from a diagnostic report', 'process.report.getReport()'],
    ["flood the platform's memory through process.send", "process.send({ type: 'ready', junk: Buffer.alloc(200 * 1024 * 1024) })"],
    ['write raw bytes on the platform channel', 'process._getActiveHandles()'],
  ])('contains: %s', async (name, body) => {
    const answer = await attack(name.replace(/\W+/g, '-').replace(/^-|-$/g, '').toLowerCase(), probe(body));
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^contained: /);
  });

  it('sees no platform secrets in its environment', async () => {
    const answer = await attack('env', 'module.exports = async () => ({ status: 200, body: Object.keys(process.env).sort() })');
    expect(JSON.parse(answer.text)).toEqual(['NODE_ENV', 'TZ']);
  });

  it('stops an endless loop and an endless await loop with 504', async () => {
    expect((await attack('spin', 'module.exports = async () => { while (true) {} }')).status).toBe(504);
    expect((await attack('await-spin', 'module.exports = async () => { for (;;) await null; }')).status).toBe(504);
  });

  it('contains a heap bomb and a Buffer bomb', async () => {
    const heap = await attack('heap-bomb', 'module.exports = async () => { const a = []; for (;;) a.push(new Array(1e6).fill(Math.random())); }');
    expect(heap.status).toBe(502);
    const buffers = await attack('buffer-bomb', 'module.exports = async () => { const a = []; for (;;) a.push(Buffer.alloc(256 * 1024 * 1024, 1)); }');
    expect([500, 502]).toContain(buffers.status);
  });

  it('stops a sandbox that writes an oversized message on the platform channel itself', async () => {
    // Tenant code can find the channel's socket by wrapping a stream method the sandbox uses.
    const answer = await attack(
      'channel',
      `const { Duplex, Writable } = require('stream');
      module.exports = async () => {
        let socket;
        const wrap = (proto) => { const write = proto.write; proto.write = function (...args) { socket ??= this; return write.apply(this, args); }; return () => (proto.write = write); };
        const unwrap = [wrap(Duplex.prototype), wrap(Writable.prototype)];
        await require('@tessera/db').query('SELECT 1').catch(() => {});
        unwrap.forEach((f) => f());
        if (!socket) return { status: 200, body: 'no socket found' };
        socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return { status: 200, body: 'not stopped' };
      }`,
    );
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text).error.message).toMatch(/stopped because it sent a message of 2147483647 bytes, over the \d+-byte limit/);
  });

  it('absorbs a flood on stdout and stderr inside the sandbox', async () => {
    const answer = await attack(
      'flood',
      `module.exports = async () => {
      const chunk = 'x'.repeat(65536);
      for (let i = 0; i < 5000; i++) { process.stdout.write(chunk); process.stderr.write(chunk); }
      try { process._rawDebug(chunk); return { status: 200, body: 'raw write allowed' }; } catch (e) { return { status: 200, body: 'contained: ' + e.message }; }
    }`,
    );
    expect(answer).toEqual({ status: 200, text: 'contained: process._rawDebug is not available to Tessera functions' });
  });

  it('refuses a 1 GB response without carrying it across', async () => {
    const answer = await attack('huge', 'module.exports = async () => ({ status: 200, body: Buffer.alloc(1024 * 1024 * 1024) })');
    expect([500, 502]).toContain(answer.status);
  });

  it('survives process.exit() and a throw at load time', async () => {
    expect((await attack('exit', 'module.exports = async () => { process.exit(0) }')).status).toBe(502);
    expect((await attack('load-throw', "throw new Error('at load')")).status).toBe(500);
    await expect(runtime.check('attacker', fn('load-throw-2', "throw new Error('at load')"))).rejects.toMatchObject({ code: 'FUNCTION_INVALID' });
  });
});
