import { describe, expect, it } from 'vitest';
import type { HostMessage, SandboxMessage } from '../protocol.ts';
import type { SandboxConnection, SandboxExit } from './connection.ts';
import type { SandboxPool } from './pool.ts';
import { TenantSandbox, type TenantDbAccess } from './tenant-sandbox.ts';

/**
 * The platform's side of the channel against a sandbox that says whatever tenant code makes it say:
 * a scripted stand-in for the process.
 */
function fakeProcess() {
  const sent: HostMessage[] = [];
  let listener: (message: SandboxMessage, bytes: number) => void = () => undefined;
  let exitListener: (exit: SandboxExit) => void = () => undefined;
  let alive = true;
  const connection = {
    get alive() {
      return alive;
    },
    onMessage: (l: typeof listener) => {
      listener = l;
      return () => undefined;
    },
    onExit: (l: typeof exitListener) => void (exitListener = l),
    send: (m: HostMessage) => {
      sent.push(m);
      return alive;
    },
    kill: (reason: string) => {
      if (!alive) return;
      alive = false;
      exitListener({ code: null, signal: 'SIGKILL', stoppedBecause: reason, stderr: '' });
    },
    exited: async () => ({ code: null, signal: 'SIGKILL', stderr: '' }),
  } as unknown as SandboxConnection;
  return { connection, sent, say: (m: SandboxMessage, bytes = 100) => listener(m, bytes) };
}

function setup(db: Partial<TenantDbAccess> = {}) {
  const proc = fakeProcess();
  const caches = new Map<string, Uint8Array>();
  const late: string[] = [];
  const sandbox = new TenantSandbox('t', {
    settings: { scratchDir: '/nonexistent', memoryMb: 64, maxFrameBytes: 1 << 20 },
    timeoutMs: 5000,
    idleMs: 60_000,
    db: () => ({ query: async () => [], execute: async () => ({}), ...db }),
    pool: { take: () => proc.connection } as unknown as SandboxPool,
    onLateLogs: (fn, requestId, logs) => late.push(`${fn}/${requestId}: ${logs.map((l) => l.message).join()}`),
    codeCaches: { get: (hash) => caches.get(hash), set: (hash, data) => void caches.set(hash, data) },
  });
  const invoke = (name: string, hash = `${name}-hash`) =>
    sandbox.invoke(
      { name, code: 'module.exports = () => {}', hash },
      { requestId: `req-${name}`, request: { method: 'GET', url: '/', headers: {}, body: new Uint8Array() }, user: null, maxResponseBytes: 1024 },
      'live',
    );
  const lastId = () => (proc.sent.findLast((m) => m.type === 'invoke') as Extract<HostMessage, { type: 'invoke' }>).id;
  const answer = (id: number) => proc.say({ type: 'result', id, response: { status: 200, headers: {}, body: new Uint8Array() }, logs: [] });
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { ...proc, sandbox, caches, late, invoke, lastId, answer, tick };
}

describe('TenantSandbox against a hostile sandbox', () => {
  it("takes a code cache only as a fresh process's first word, about its first call", async () => {
    const t = setup();
    const first = t.invoke('a');
    await t.tick();
    t.say({ type: 'code-cache', hash: 'a-hash', data: new Uint8Array([1]) });
    t.answer(t.lastId());
    await first;
    expect(t.caches.get('a-hash')).toEqual(new Uint8Array([1]));
    // Anything later is tenant code talking, even about the same hash.
    t.say({ type: 'code-cache', hash: 'a-hash', data: new Uint8Array([6, 6, 6]) });
    const second = t.invoke('b');
    await t.tick();
    t.say({ type: 'code-cache', hash: 'b-hash', data: new Uint8Array([6]) });
    t.answer(t.lastId());
    await second;
    expect([...t.caches]).toEqual([['a-hash', new Uint8Array([1])]]);
  });

  it('refuses database calls that belong to no call in flight, and too many at once', async () => {
    let started = 0;
    const t = setup({ query: () => new Promise(() => void started++) });
    const call = t.invoke('a');
    await t.tick();
    const id = t.lastId();
    t.say({ type: 'db', id: id + 1, callId: 1, op: 'query', sql: 'SELECT 1', params: [] });
    for (let callId = 2; callId < 40; callId++) t.say({ type: 'db', id, callId, op: 'query', sql: 'SELECT 1', params: [] });
    const big = { type: 'db', id, callId: 50, op: 'query', sql: 'x', params: [] } as const;
    const replies = t.sent.filter((m) => m.type === 'db-reply') as Array<Extract<HostMessage, { type: 'db-reply'; ok: false }>>;
    await t.tick();
    expect(replies[0]).toMatchObject({ callId: 1, message: expect.stringContaining('already been answered') });
    expect(started).toBe(32);
    expect(replies.at(-1)).toMatchObject({ callId: 39, message: expect.stringContaining('more than 32 database calls at once') });
    t.say(big, 100 * 1024 * 1024);
    expect(t.sent.at(-1)).toMatchObject({ callId: 50, ok: false });
    t.answer(id);
    await call;
  });

  it('keeps late log lines only for functions it ran, and answers only calls it was given', async () => {
    const t = setup();
    const call = t.invoke('a');
    await t.tick();
    t.say({ type: 'late-logs', fn: 'a', requestId: 'r1', logs: [{ time: 't', level: 'log', message: 'kept' }] });
    t.say({ type: 'late-logs', fn: 'invented-1', requestId: 'r2', logs: [{ time: 't', level: 'log', message: 'dropped' }] });
    t.say({ type: 'result', id: 12345, response: { status: 200, headers: {}, body: new Uint8Array() }, logs: [] });
    t.answer(t.lastId());
    await call;
    expect(t.late).toEqual(['a/r1: kept']);
  });

  it('ends the calls of a process that dies as crashed, with the reason', async () => {
    const t = setup();
    const call = t.invoke('a');
    await t.tick();
    t.connection.kill('The function process of this app was stopped because of a test.');
    const outcome = await call;
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'FUNCTION_CRASHED', message: 'The function process of this app was stopped because of a test. Function a did not complete.' },
    });
  });
});
