import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bystander, callApp, percentile, startPlatformProcess, type PlatformProcess } from '../support/bystander.ts';

/**
 * One app attacks the channel between its functions' sandbox and the platform (issue 25), from plain
 * tenant code and with frames forged from inside its sandbox, while a bystander app is called every
 * 20-100 ms. During each attack: the bystander's p99 stays under 200 ms with no failed call, the
 * platform's memory grows by less than 200 MB, and the platform lives.
 */
let platform: PlatformProcess;
let bystander: Bystander;
/** The platform's own answer (no function): tells a stalled event loop from CPU the machine lacks. */
let health: Bystander;
let baselineRssMb = 0;
const P99_LIMIT_MS = 200;
const RSS_GROWTH_LIMIT_MB = 200;

async function createFunction(tenant: string, name: string, code: string): Promise<void> {
  const created = await platform.api('POST', `/api/tenants/${tenant}/tools/createBackendFunction`, { name, code });
  expect(created.status, JSON.stringify(created.json)).toBe(200);
}

/** Tenant code that finds its sandbox's channel socket (by wrapping a stream method the sandbox uses) and its call's id. */
const CHANNEL = `
const { Duplex, Writable } = require('stream');
async function channel() {
  let socket, first;
  const wrap = (proto) => { const write = proto.write; proto.write = function (chunk, ...rest) { if (!socket) { socket = this; first = Buffer.from(chunk); } return write.call(this, chunk, ...rest); }; return () => (proto.write = write); };
  const unwrap = [wrap(Duplex.prototype), wrap(Writable.prototype)];
  await require('@tessera/db').query('SELECT 1').catch(() => {});
  unwrap.forEach((f) => f());
  return { socket, id: first.readUInt32BE(5) };
}
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const field = (b) => Buffer.concat([u32(b.length), Buffer.from(b)]);
const frame = (type, ...parts) => { const body = Buffer.concat([Buffer.of(type), ...parts]); return Buffer.concat([u32(body.length), body]); };
/** A 'result' frame in the platform's layout (wire.ts), headers and body of our choosing. */
const result = (id, status, headers, body) => frame(2, u32(id), u32(status), u32(headers.length), ...headers.flatMap(([n, v]) => [field(Buffer.from(n)), field(Buffer.from(v))]), field(Buffer.from(body)), u32(0));
`;

/**
 * Runs `attack` again and again for `ms` (at least once) while the bystander is called, then checks
 * the bystander's latencies, the platform's memory and life. Returns the attack's answers.
 */
async function underAttack<T>(name: string, attack: () => Promise<T>, ms = 4000): Promise<T[]> {
  const started = performance.now();
  const startedAt = Date.now();
  let peakRss = platform.rssMb();
  const sampler = setInterval(() => {
    if (platform.alive()) peakRss = Math.max(peakRss, platform.rssMb());
  }, 100);
  const answers: T[] = [];
  try {
    do answers.push(await attack());
    while (performance.now() - started < ms);
    // The bystander's calls that started during the attack, and a moment after it.
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    clearInterval(sampler);
  }
  const latencies = bystander.latenciesSince(started);
  const p99 = percentile(latencies, 99);
  const healthz = health.latenciesSince(started);
  const summary = `${name}: ${answers.length} attacks, bystander ${latencies.length} calls, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; /healthz p99 ${percentile(healthz, 99).toFixed(1)} ms; platform event loop blocked at most ${platform.loopDelayMaxMs(startedAt, Date.now()).toFixed(0)} ms; platform RSS ${baselineRssMb.toFixed(0)} -> peak ${peakRss.toFixed(0)} MB`;
  console.log(summary);
  expect(platform.alive(), summary).toBe(true);
  expect((await fetch(`${platform.url}/healthz`)).ok).toBe(true);
  expect(bystander.failures, summary).toEqual([]);
  expect(latencies.length, summary).toBeGreaterThan(10);
  expect(p99, summary).toBeLessThan(P99_LIMIT_MS);
  expect(peakRss - baselineRssMb, summary).toBeLessThan(RSS_GROWTH_LIMIT_MB);
  return answers;
}

const call = (fn: string) => callApp(`${platform.appUrl('attacker')}api/${fn}`, { timeoutMs: 30_000 });

beforeAll(async () => {
  platform = await startPlatformProcess({ FUNCTION_TIMEOUT_MS: '3000', FUNCTION_WARM_POOL: '2' });
  for (const tenant of ['bystander', 'attacker']) expect((await platform.api('POST', '/api/tenants', { id: tenant })).status).toBe(201);
  expect(
    (
      await platform.api('POST', '/api/tenants/bystander/tools/updateDatabaseSchema', {
        sql: "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('still here')",
      })
    ).status,
  ).toBe(200);
  await createFunction(
    'bystander',
    'ping',
    "const db = require('@tessera/db'); module.exports = async () => ({ status: 200, body: (await db.query('SELECT text FROM notes'))[0] ?? { text: 'still here' } })",
  );
  bystander = new Bystander(`${platform.appUrl('bystander')}api/ping`, (text) => text.includes('still here'));
  // Warm: the bystander's process started and its code loaded, the platform's memory settled.
  for (let i = 0; i < 20; i++) expect((await callApp(`${platform.appUrl('bystander')}api/ping`)).status).toBe(200);
  bystander.start();
  health = new Bystander(`${platform.url}/healthz`, (text) => text.includes('"ok"'));
  health.start();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  baselineRssMb = platform.rssMb();
}, 360_000);

afterAll(async () => {
  await Promise.all([bystander?.stop(), health?.stop()]);
  await platform?.close();
});

describe('a noisy neighbour', () => {
  it('(control) nothing attacks', async () => {
    await underAttack('no attack', () => new Promise((resolve) => setTimeout(resolve, 100)));
  }, 60_000);

  it('quotes a 20 MB header name in its failure: answered with a short error, nothing of it kept', async () => {
    await createFunction('attacker', 'bigname', "module.exports = async () => ({ status: 200, headers: { ['x'.repeat(20 * 1024 * 1024)]: 'v' }, body: 'hi' })");
    const answers = await underAttack('20 MB header name', () => call('bigname'));
    for (const answer of answers) {
      expect(answer.status).toBe(500);
      expect(answer.text.length).toBeLessThan(2000);
      expect(JSON.parse(answer.text).error.message).toMatch(/a header name of 20971520 characters/);
    }
    const logs = await platform.api('GET', '/api/tenants/attacker/functions/bigname/logs');
    expect(Math.max(...logs.json.logs.map((r: { message: string }) => r.message.length))).toBeLessThan(20_000);
  }, 60_000);

  it('forges a failure frame with a 20 MB message and a result frame with a 20 MB header name: stopped, 502', async () => {
    await createFunction(
      'attacker',
      'forgedfail',
      `${CHANNEL}
module.exports = async () => {
  const { socket, id } = await channel();
  socket.write(frame(6, u32(id), Buffer.of(1), field(Buffer.alloc(20 * 1024 * 1024, 120)), Buffer.of(0), u32(0)));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { status: 200, body: 'not stopped' };
}`,
    );
    await createFunction(
      'attacker',
      'forgedheader',
      `${CHANNEL}
module.exports = async () => {
  const { socket, id } = await channel();
  socket.write(result(id, 200, [['x'.repeat(20 * 1024 * 1024), 'v']], 'hi'));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { status: 200, body: 'not stopped' };
}`,
    );
    const answers = await underAttack('forged 20 MB failure and header', async () => [await call('forgedfail'), await call('forgedheader')]);
    for (const [fail, header] of answers) {
      expect(fail!.status).toBe(502);
      expect(JSON.parse(fail!.text).error.message).toMatch(/stopped because it sent a message of \d+ bytes, over the \d+-byte limit/);
      expect(header!.status).toBe(502);
      expect(JSON.parse(header!.text).error.message).toMatch(
        /stopped because it sent (a message of \d+ bytes, over|a message the platform does not accept: a header name of 20971520 bytes)/,
      );
    }
  }, 60_000);

  it('sends SQL of 8 MB: refused with a clear error in its own process; forged, the sandbox is stopped', async () => {
    await createFunction(
      'attacker',
      'bigsql',
      "module.exports = async () => { try { await require('@tessera/db').query('SELECT 1 -- ' + 'x'.repeat(8 * 1024 * 1024)); return { status: 200, body: 'ran' }; } catch (e) { return { status: 200, body: e.code + ': ' + e.message }; } }",
    );
    await createFunction(
      'attacker',
      'forgedsql',
      `${CHANNEL}
module.exports = async () => {
  const { socket, id } = await channel();
  socket.write(frame(9, u32(id), u32(99), Buffer.of(0), field(Buffer.alloc(8 * 1024 * 1024, 32)), Buffer.of(1), u32(0)));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { status: 200, body: 'not stopped' };
}`,
    );
    const answers = await underAttack('8 MB SQL', async () => [await call('bigsql'), await call('forgedsql')]);
    for (const [plain, forged] of answers) {
      expect(plain!.text).toMatch(/^SQL_REFUSED: db.query\(sql, params\): the SQL text has \d+ bytes, over the 1048576 bytes one call may send/);
      expect(forged!.status).toBe(502);
      expect(JSON.parse(forged!.text).error.message).toMatch(/does not accept: an SQL text of 8388608 bytes, over the 1048576-byte limit/);
    }
  }, 60_000);

  it("forges frames of millions of empty objects (V8's encoding) under every message type: refused without decoding", async () => {
    // 'o' '{' 0: one empty object in V8's serialization, 3 bytes; up to each type's limit or 34 MB.
    await createFunction(
      'attacker',
      'flood',
      `${CHANNEL}
module.exports = async (context) => {
  const { socket, id } = await channel();
  const type = Number(context.request.query.type);
  const size = Number(context.request.query.mb) * 1024 * 1024;
  const objects = Buffer.alloc(size);
  for (let i = 0; i + 3 <= size; i += 3) { objects[i] = 0x6f; objects[i + 1] = 0x7b; }
  socket.write(frame(type, u32(id), objects));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { status: 200, body: 'not stopped' };
}`,
    );
    let round = 0;
    const cases: Array<[number, number]> = [
      [2, 34],
      [2, 4],
      [9, 16],
      [4, 3],
      [6, 3],
      [10, 8],
      [3, 30],
    ];
    const answers = await underAttack(
      'V8 empty-object floods',
      async () => {
        const [type, mb] = cases[round++ % cases.length]!;
        return { type, mb, answer: await callApp(`${platform.appUrl('attacker')}api/flood?type=${type}&mb=${mb}`, { timeoutMs: 30_000 }) };
      },
      6000,
    );
    for (const { answer } of answers) {
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.text).error.message).toMatch(
        /was stopped because it sent (a message of \d+ bytes, over the \d+-byte limit|a message the platform does not accept)/,
      );
    }
  }, 90_000);

  it("stops reading its channel while asking for many large results: stopped at the app's cap, with a log line", async () => {
    await createFunction(
      'attacker',
      'noread',
      `${CHANNEL}
module.exports = async () => {
  const { socket } = await channel();
  socket.pause();
  // A paused socket alone would let the process's event loop end; a timer keeps it alive, not reading.
  setInterval(() => {}, 1000);
  const db = require('@tessera/db');
  await Promise.all(Array.from({ length: 32 }, () => db.query('SELECT zeroblob(7000000) AS b').catch(() => {})));
  return { status: 200, body: 'not stopped' };
}`,
    );
    const answers = await underAttack('replies not read', () => call('noread'));
    for (const answer of answers) {
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.text).error.message).toMatch(
        /stopped because it did not read the platform's replies: \d+ MB were waiting for it, over the 64 MB limit of an app/,
      );
    }
    expect(platform.output()).toMatch(/did not read the platform's replies/);
  }, 60_000);

  it("logs as much as it can from many functions: the app's log memory stays bounded", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `chatty${i}`);
    for (const name of names)
      await createFunction(
        'attacker',
        name,
        "module.exports = async () => { for (let i = 0; i < 400; i++) console.log(i + ' ' + 'z'.repeat(8000)); return { status: 200, body: 'logged' }; }",
      );
    let round = 0;
    await underAttack(
      'log flood from 8 functions',
      async () => {
        const answers = await Promise.all(names.slice(0, 4).map((_, i) => call(names[(round + i) % names.length]!)));
        round += 4;
        for (const answer of answers) expect(answer.status).toBe(200);
      },
      6000,
    );
    const logs = await platform.api('GET', '/api/tenants/attacker/functions/chatty0/logs?limit=1000');
    const line = logs.json.logs.find((r: { source: string }) => r.source === 'console');
    // Each line cut with a note of what was dropped; the 201st line is the sandbox's own note.
    if (line) expect(line.message).toMatch(/… \(\d+ more characters dropped\)$/);
  }, 120_000);

  it('sends its own framing (Content-Length: 0 before a second response in its body): the next request on the connection gets its own answer', async () => {
    const smuggled = 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 9\\r\\n\\r\\nSMUGGLED!';
    await createFunction(
      'attacker',
      'smuggle',
      `${CHANNEL}
module.exports = async () => {
  const { socket, id } = await channel();
  socket.write(result(id, 200, [['Content-Length', '0'], ['Transfer-Encoding', 'chunked'], ['Connection', 'keep-alive'], ['content-type', 'text/plain']], '${smuggled}'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { status: 200, body: 'late' };
}`,
    );
    await createFunction(
      'attacker',
      'plainframing',
      `module.exports = async () => ({ status: 200, headers: { 'Content-Length': '0', 'Transfer-Encoding': 'chunked', 'Upgrade': 'h2c', 'Proxy-Authenticate': 'x' }, body: '${smuggled}' })`,
    );
    await createFunction('attacker', 'hello', "module.exports = async () => ({ status: 200, body: 'hello itself' })");
    const attempts = await underAttack('response smuggling', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const host = `draft.attacker.localhost:${platform.port}`;
      const get = (path: string) =>
        new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; reused: boolean }>((resolve, reject) => {
          const req = http.get({ agent, host: '127.0.0.1', port: platform.port, path, headers: { host, authorization: `Bearer ${platform.token}` } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), reused: req.reusedSocket }),
            );
          });
          req.on('error', reject);
        });
      try {
        const out = [];
        for (const fn of ['smuggle', 'plainframing']) {
          const first = await get(`/api/${fn}`);
          const next = await get('/api/hello');
          out.push({ first, next });
        }
        return out;
      } finally {
        agent.destroy();
      }
    });
    for (const pair of attempts.flat()) {
      expect(pair.next.reused).toBe(true);
      expect(pair.next.text).toBe('hello itself');
      expect(pair.first.status).toBe(200);
      expect(pair.first.text).toContain('SMUGGLED!');
      expect(pair.first.headers['content-length']).toBe(String(Buffer.byteLength(pair.first.text)));
      expect(pair.first.headers['transfer-encoding']).toBeUndefined();
      expect(pair.first.headers.upgrade).toBeUndefined();
      expect(pair.first.headers['proxy-authenticate']).toBeUndefined();
    }
  }, 60_000);
});
