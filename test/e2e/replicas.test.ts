import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { installFetchCredentials } from '../support/credentials.ts';
import { request } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { createScratchDatabase, startPgbouncer } from '../support/postgres.ts';
import { bootReplica } from '../support/replicas.ts';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model.ts';
import { openRegistry } from '../../src/registry/index.ts';

/**
 * Two Tessera replicas, as on a cluster: real server processes sharing one DATA_DIR and one
 * PostgreSQL (through pgbouncer in transaction mode). Either answers any request; each tenant is
 * served by the replica holding its lease, and survives that replica's death.
 */
vi.setConfig({ testTimeout: 120_000 });
const root = path.resolve(import.meta.dirname, '../..');
const example = (file: string) => readFileSync(path.join(root, 'examples', 'notes', file), 'utf8');
const TTL_MS = 3000;
const token = `replicas-${randomBytes(12).toString('hex')}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-replicas-'));
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let bouncer: Awaited<ReturnType<typeof startPgbouncer>>;
const replicas: Array<{ port: number; child: ChildProcess; url: string }> = [];
/** Replica A's holder id: A holds the tenant until it dies. */
let idA = '';

let model: ScriptedModel;
const boot = (port: number) =>
  bootReplica({
    port,
    dataDir,
    databaseUrl: bouncer.url,
    token,
    leaseTtlMs: TTL_MS,
    env: { OPENAI_BASE_URL: model.url, OPENAI_MODEL: 'scripted', OPENAI_API_KEY: 'test' },
  });

const api = (replica: number, route: string, body?: unknown) =>
  fetch(
    `${replicas[replica]!.url}${route}`,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
const app = (replica: number, route: string, init: { method?: string; body?: string } = {}) =>
  request(`http://127.0.0.1:${replicas[replica]!.port}${route}`, { host: `draft.shared.localhost:${replicas[replica]!.port}`, ...init });

async function leaseHolder(tenant: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: bouncer.url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT holder FROM tenant_leases WHERE tenant = $1 AND expires_at > now()', [tenant]);
    return rows[0]?.holder ?? null;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  installFetchCredentials();
  database = await createScratchDatabase();
  bouncer = await startPgbouncer(database.name);
  // The agent's model: one tool call, then (after a pause the event stream must not wait for) an answer.
  model = await startScriptedModel([
    {
      toolCalls: [
        {
          name: 'createBackendFunction',
          arguments: { name: 'from-agent', code: "module.exports = async () => ({ status: 200, body: 'built by the agent' })" },
        },
      ],
    },
    { delayMs: 1500, then: { text: 'Done: /api/from-agent answers.' } },
  ]);
  // Both at once, as a Deployment starts its pods: they migrate the empty registry side by side.
  const ports = [await freePort(), await freePort()];
  const children = await Promise.all(ports.map((port) => boot(port)));
  for (const [i, port] of ports.entries()) replicas.push({ port, child: children[i]!, url: `http://localhost:${port}` });
});
afterAll(async () => {
  for (const { child } of replicas) if (child.exitCode === null) child.kill('SIGKILL');
  await bouncer?.close();
  await database?.drop();
  await model?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('two replicas on one volume and one database', () => {
  it('creates a tenant through one replica, which holds it; the other lists it and forwards to the holder', async () => {
    idA = (await (await api(0, '/healthz')).json()).replica as string;
    const idB = (await (await api(1, '/healthz')).json()).replica as string;
    expect(idA).not.toBe(idB);
    expect((await api(0, '/api/tenants', { id: 'shared' })).status).toBe(201);
    expect(await leaseHolder('shared')).toBe(idA);
    expect((await (await api(1, '/api/tenants')).json()).tenants.map((t: { id: string }) => t.id)).toEqual(['shared']);
    const viaB = await api(1, '/api/tenants/shared');
    expect(viaB.status).toBe(200);
    expect((await viaB.json()).url).toBe(`http://shared.localhost:${replicas[1]!.port}/`);
    // Anonymous requests about tenants that do not exist make no lease rows.
    const anonymous = await fetch(`${replicas[1]!.url}/api/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-anonymous': '1' },
      body: '{"id":"ghost"}',
    });
    expect(anonymous.status).toBe(401);
    expect((await request(`http://127.0.0.1:${replicas[1]!.port}/`, { host: `ghost.localhost:${replicas[1]!.port}` })).status).toBe(404);
    expect((await api(1, '/api/tenants/ghost')).status).toBe(404);
    expect(await leaseHolder('ghost')).toBeNull();
    // Creating it again through the other replica is the same conflict as on one.
    expect((await api(1, '/api/tenants', { id: 'shared' })).status).toBe(409);
    expect(await leaseHolder('shared')).toBe(idA);
  });

  it('lands 20 concurrent tool calls sent alternately to both replicas as 20 commits, none lost', async () => {
    expect((await api(1, '/api/tenants/shared/tools/updateDatabaseSchema', { sql: example('schema.sql') })).status).toBe(200);
    expect((await api(0, '/api/tenants/shared/tools/createBackendFunction', { name: 'notes', code: example('notes.js') })).status).toBe(200);
    const before = (await (await api(0, '/api/tenants/shared/commits?limit=500')).json()).commits.length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(i % 2, '/api/tenants/shared/tools/createBackendFunction', {
          name: `fn-${i}`,
          code: `module.exports = async () => ({ status: 200, body: { n: ${i} } })`,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const commits = (await (await api(1, '/api/tenants/shared/commits?limit=500')).json()).commits as Array<{ message: string }>;
    expect(commits.length - before).toBe(20);
    const names = commits
      .slice(0, 20)
      .map((c) => /fn-(\d+)/.exec(c.message)?.[1])
      .map(Number)
      .sort((a, b) => a - b);
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // One after another, alternately: the history is the calls in the order they were made.
    for (let i = 0; i < 6; i++) {
      expect(
        (
          await api(i % 2, '/api/tenants/shared/tools/createBackendFunction', {
            name: 'sequence',
            code: `module.exports = async () => ({ status: 200, body: { step: ${i} } })`,
          })
        ).status,
      ).toBe(200);
    }
    const newest = (await (await api(0, '/api/tenants/shared/commits?limit=6')).json()).commits as Array<{ message: string }>;
    expect(newest.map((c) => c.message).reverse()).toEqual(['Add function sequence', ...Array(5).fill('Update function sequence')]);
    expect((await app(1, '/api/sequence')).json()).toEqual({ step: 5 });
    // B never wrote: it forwarded every call to A, which held the tenant throughout.
    expect(await leaseHolder('shared')).toBe(idA);
  });

  it('answers the app and its functions the same through both replicas, server-sent events included', async () => {
    expect((await app(1, '/api/notes', { method: 'POST', body: JSON.stringify({ text: 'written via B' }) })).status).toBe(201);
    expect((await app(0, '/api/notes', { method: 'POST', body: JSON.stringify({ text: 'written via A' }) })).status).toBe(201);
    const [a, b] = [await app(0, '/api/notes'), await app(1, '/api/notes')];
    expect(a.status).toBe(200);
    expect(b.text).toBe(a.text);
    expect(
      a
        .json()
        .map((n: { text: string }) => n.text)
        .sort(),
    ).toEqual(['written via A', 'written via B']);
    expect((await app(1, '/api/fn-7')).json()).toEqual({ n: 7 });
    // Below the lease, the holder's database process keeps the SQLite file locked: nobody else
    // (another replica's process, here this test's) reads or writes it meanwhile. The calls above
    // went to the draft origin, so the draft's database is the one open.
    const outsider = new Database(path.join(dataDir, 'tenants', 'shared', 'draft-db', 'app.sqlite'), { timeout: 100 });
    try {
      expect(() => outsider.prepare("INSERT INTO notes (text) VALUES ('stray')").run()).toThrow(/locked|busy/i);
    } finally {
      outsider.close();
    }
    // A function reached through the other replica sees the client's headers, not the replicas' own.
    expect(
      (
        await api(0, '/api/tenants/shared/tools/createBackendFunction', {
          name: 'headers',
          code: 'module.exports = async (context) => ({ status: 200, body: context.request.headers })',
        })
      ).status,
    ).toBe(200);
    const echoed = (
      await request(`http://127.0.0.1:${replicas[1]!.port}/api/headers`, {
        host: `draft.shared.localhost:${replicas[1]!.port}`,
        headers: { 'x-custom': 'kept' },
      })
    ).json();
    expect(echoed['x-custom']).toBe('kept');
    expect(Object.keys(echoed).filter((name) => name.startsWith('x-tessera-'))).toEqual([]);

    // Logs follow as server-sent events through the forwarding replica.
    const stream = await fetch(`${replicas[1]!.url}/api/tenants/shared/functions/fn-3/logs?follow=1`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    await app(0, '/api/fn-3');
    let seen = '';
    while (!seen.includes('event: log')) seen += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(await leaseHolder('shared')).toBe(idA);
  });

  it('streams an agent run started through the other replica as it happens, and its commit lands on the holder', async () => {
    const before = (await (await api(0, '/api/tenants/shared/commits?limit=500')).json()).commits.length;
    const started = Date.now();
    const run = await api(1, '/api/tenants/shared/agent', { prompt: 'Add a function from-agent.' });
    expect(run.status).toBe(200);
    expect(run.headers.get('content-type')).toContain('text/event-stream');
    const seen: Array<{ event: string; at: number }> = [];
    const reader = run.body!.getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = /^event: (.+)$/m.exec(buffer.slice(0, end))?.[1];
        if (event) seen.push({ event, at: Date.now() - started });
        buffer = buffer.slice(end + 2);
      }
    }
    const at = (event: string) => seen.find((e) => e.event === event)?.at ?? NaN;
    expect(seen.map((e) => e.event)).toEqual(expect.arrayContaining(['run_started', 'tool_call', 'tool_result', 'done']));
    // Event by event, not at the end: the tool's result arrived while the model was still thinking.
    expect(at('done') - at('tool_result')).toBeGreaterThan(1000);
    const commits = (await (await api(1, '/api/tenants/shared/commits?limit=500')).json()).commits as Array<{ message: string }>;
    expect(commits.length - before).toBe(1);
    expect(commits[0]!.message).toContain('from-agent');
    expect((await app(1, '/api/from-agent')).text).toBe('built by the agent');
    expect(await leaseHolder('shared')).toBe(idA);
    // The run is the holder's: the conversation is the same through both.
    const [historyA, historyB] = [await (await api(0, '/api/tenants/shared/agent')).json(), await (await api(1, '/api/tenants/shared/agent')).json()];
    expect(historyB.runs).toEqual(historyA.runs);
    expect(historyA.runs).toHaveLength(1);
  });

  it('serves a deploy made through either replica at once, and one the cluster recorded within a renewal', async () => {
    const live = (replica: number, route: string) =>
      request(`http://127.0.0.1:${replicas[replica]!.port}${route}`, { host: `shared.localhost:${replicas[replica]!.port}` });
    expect((await api(0, '/api/tenants/shared/releases', { version: '1.0.0' })).status).toBe(201);
    expect(
      (
        await api(1, '/api/tenants/shared/tools/createBackendFunction', {
          name: 'fn-7',
          code: 'module.exports = async () => ({ status: 200, body: { n: 77 } })',
        })
      ).status,
    ).toBe(200);
    expect((await api(1, '/api/tenants/shared/releases', { version: '1.1.0' })).status).toBe(201);
    // Deployed through B, which does not hold the tenant: live through both at once.
    expect((await api(1, '/api/tenants/shared/releases/1.0.0/deploy', {})).status).toBe(200);
    expect((await live(0, '/api/fn-7')).json()).toEqual({ n: 7 });
    expect((await live(1, '/api/fn-7')).json()).toEqual({ n: 7 });
    const [pageA, pageB] = [await live(0, '/'), await live(1, '/')];
    expect(pageA.status).toBe(200);
    expect(pageB.text).toBe(pageA.text);
    const [draftA, draftB] = [await app(0, '/'), await app(1, '/')];
    expect(draftA.status).toBe(200);
    expect(draftB.text).toBe(draftA.text);

    // The cluster's read path deploys by writing the registry alone (src/fission/read-path-entry.ts):
    // the holder serves it once its next renewal reads the live release, with no restart.
    const clusterSide = await openRegistry({ databaseUrl: bouncer.url });
    try {
      await clusterSide.recordDeployment('shared', '1.1.0', 'read-path');
    } finally {
      await clusterSide.close();
    }
    const recorded = Date.now();
    let answer = (await live(1, '/api/fn-7')).json();
    while (answer.n !== 77 && Date.now() - recorded < TTL_MS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = (await live(1, '/api/fn-7')).json();
    }
    expect(answer).toEqual({ n: 77 });
    expect((await live(0, '/api/fn-7')).json()).toEqual({ n: 77 });
    expect(await leaseHolder('shared')).toBe(idA);
  });

  it('lists and routes by the registry, not by what a replica sees on the volume', async () => {
    // A network volume's directory listing can lag on another node (NFS caches it for up to a
    // minute). The extreme case: a third replica whose DATA_DIR shows nothing at all. It must still
    // list the tenant, route its requests to the holder, and refuse to create it again.
    const port = await freePort();
    const lagging = mkdtempSync(path.join(os.tmpdir(), 'tessera-replicas-lagging-'));
    const child = await bootReplica({ port, dataDir: lagging, databaseUrl: bouncer.url, token, leaseTtlMs: TTL_MS });
    try {
      const list = await (await fetch(`http://localhost:${port}/api/tenants`)).json();
      expect(list.tenants.map((t: { id: string }) => t.id)).toEqual(['shared']);
      const viaC = await (await fetch(`http://localhost:${port}/api/tenants/shared`)).json();
      expect(viaC.functions.map((f: { name: string }) => f.name)).toContain('notes');
      const notes = await request(`http://127.0.0.1:${port}/api/notes`, { host: `draft.shared.localhost:${port}` });
      expect(notes.status).toBe(200);
      expect(notes.text).toBe((await app(0, '/api/notes')).text);
      const again = await fetch(`http://localhost:${port}/api/tenants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"id":"shared"}',
      });
      expect(again.status).toBe(409);
      expect(await leaseHolder('shared')).toBe(idA);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(lagging, { recursive: true, force: true });
    }
  });

  it('hands a tenant over when its holder dies, with its history and data intact', async () => {
    const commitsBefore = (await (await api(0, '/api/tenants/shared/commits?limit=500')).json()).commits.length;
    replicas[0]!.child.kill('SIGKILL');
    await new Promise((resolve) => replicas[0]!.child.once('exit', resolve));
    const started = Date.now();
    // Sent right after the crash, while the dead holder's lease still runs: they wait for it to run
    // out and are served by B, rather than failing.
    const [answer, wrote] = await Promise.all([
      app(1, '/api/notes'),
      api(1, '/api/tenants/shared/tools/createBackendFunction', { name: 'after', code: "module.exports = async () => ({ status: 200, body: 'after' })" }),
    ]);
    expect(answer.status).toBe(200);
    expect(wrote.status).toBe(200);
    // Taken over once the lease ran out (at most TTL after the kill), plus the reload of the tenant
    // from the volume (its 20-odd functions built again) on a busy machine.
    expect(Date.now() - started).toBeLessThan(TTL_MS + 6000);
    expect(
      answer
        .json()
        .map((n: { text: string }) => n.text)
        .sort(),
    ).toEqual(['written via A', 'written via B']);
    const idB = (await (await api(1, '/healthz')).json()).replica as string;
    expect(await leaseHolder('shared')).toBe(idB);
    // Every commit A made is there, and B's on top.
    const commits = (await (await api(1, '/api/tenants/shared/commits?limit=500')).json()).commits as Array<{ message: string }>;
    expect(commits.length).toBe(commitsBefore + 1);
    expect(commits[0]!.message).toBe('Add function after');
    expect((await app(1, '/api/after')).text).toBe('after');
  });

  it('lets the restarted replica forward to the new holder', async () => {
    const port = replicas[0]!.port;
    replicas[0]!.child = await boot(port);
    expect((await app(0, '/api/after')).text).toBe('after');
    expect((await (await api(0, '/api/tenants/shared')).json()).functions.map((f: { name: string }) => f.name)).toContain('after');
  });

  it('hands its tenants over at once when a replica stops gracefully (SIGTERM)', async () => {
    // B holds the tenant since A died; A was restarted above.
    const idB = (await (await api(1, '/healthz')).json()).replica as string;
    expect(await leaseHolder('shared')).toBe(idB);
    replicas[1]!.child.kill('SIGTERM');
    await new Promise((resolve) => replicas[1]!.child.once('exit', resolve));
    expect(await leaseHolder('shared')).toBeNull();
    // No wait for the lease to run out: the first request to A takes the tenant.
    const answer = await app(0, '/api/notes');
    expect(answer.status).toBe(200);
    expect(answer.json()).toHaveLength(2);
    expect(await leaseHolder('shared')).toBe((await (await api(0, '/healthz')).json()).replica);
  });

  it('never lets two replicas write at once: a frozen holder keeps its database until it wakes, then lets go of all it had loaded', async () => {
    replicas[1]!.child = await boot(replicas[1]!.port);
    const [idNowA, idNowB] = [(await (await api(0, '/healthz')).json()).replica, (await (await api(1, '/healthz')).json()).replica];
    expect(await leaseHolder('shared')).toBe(idNowA);
    // A has the tenant loaded: its functions built, a warm process, the database open.
    expect((await app(0, '/api/fn-3')).json()).toEqual({ n: 3 });
    expect((await app(0, '/api/notes')).status).toBe(200);
    const commits = async () => (await (await api(1, '/api/tenants/shared/commits?limit=500')).json()).commits as Array<{ message: string }>;
    const before = (await commits()).length;
    const update = () =>
      api(1, '/api/tenants/shared/tools/createBackendFunction', { name: 'fn-3', code: 'module.exports = async () => ({ status: 200, body: { n: 333 } })' });

    // A freezes (a stalled pod) for longer than its lease: B takes the lease, but A's database
    // process still holds the SQLite file, so B refuses to open the tenant rather than write beside A.
    replicas[0]!.child.kill('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, TTL_MS + 1500));
      const refused = await update();
      expect(refused.status).toBe(503);
      expect((await refused.json()).error.code).toBe('TENANT_UNAVAILABLE');
      expect(await leaseHolder('shared')).toBe(idNowB);
    } finally {
      replicas[0]!.child.kill('SIGCONT');
    }
    // A wakes, finds its lease gone and lets go of the tenant: then B opens it and writes.
    const woke = Date.now();
    let wrote = await update();
    while (wrote.status !== 200 && Date.now() - woke < TTL_MS + 10_000) {
      expect((await wrote.json()).error.code).toBe('TENANT_UNAVAILABLE');
      await new Promise((resolve) => setTimeout(resolve, 250));
      wrote = await update();
    }
    expect(wrote.status).toBe(200);
    expect((await commits()).length).toBe(before + 1);
    expect((await app(1, '/api/fn-3')).json()).toEqual({ n: 333 });
    expect((await app(0, '/api/fn-3')).json()).toEqual({ n: 333 });

    // B hands the tenant back (SIGTERM): A serves what B wrote, nothing of what it had loaded before.
    replicas[1]!.child.kill('SIGTERM');
    await new Promise((resolve) => replicas[1]!.child.once('exit', resolve));
    expect((await app(0, '/api/fn-3')).json()).toEqual({ n: 333 });
    expect(await leaseHolder('shared')).toBe(idNowA);
    expect((await (await api(0, '/api/tenants/shared/commits?limit=1')).json()).commits[0].message).toBe('Update function fn-3');
  });
});

describe('replicas starting together on an empty database', () => {
  it('all come up: the registry is migrated once and one owner is made', async () => {
    const fresh = await createScratchDatabase();
    const pooler = await startPgbouncer(fresh.name);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-replicas-start-'));
    const ports = [await freePort(), await freePort(), await freePort()];
    const started = await Promise.allSettled(ports.map((port) => bootReplica({ port, dataDir: dir, databaseUrl: pooler.url, token, leaseTtlMs: TTL_MS })));
    try {
      expect(started.map((s) => (s.status === 'fulfilled' ? 'up' : String(s.reason)))).toEqual(['up', 'up', 'up']);
      const client = new pg.Client({ connectionString: pooler.url });
      await client.connect();
      const users = (await client.query("SELECT id FROM users WHERE id <> 'admin'")).rows.map((r) => r.id);
      const migrations = Number((await client.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).rows[0].n);
      await client.end();
      expect(users).toEqual(['owner']);
      expect(migrations).toBe(readdirSync(path.join(root, 'src/registry/migrations')).filter((f) => f.endsWith('.sql')).length);
      // And they work as one: a tenant made through the last is served through the first.
      expect(
        (
          await fetch(`http://localhost:${ports[2]}/api/tenants`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"id":"together"}',
          })
        ).status,
      ).toBe(201);
      expect((await fetch(`http://localhost:${ports[0]}/api/tenants/together`)).status).toBe(200);
    } finally {
      for (const s of started) if (s.status === 'fulfilled') s.value.kill('SIGKILL');
      await Promise.all(
        started.map((s) => (s.status === 'fulfilled' && s.value.exitCode === null ? new Promise((resolve) => s.value.once('exit', resolve)) : null)),
      );
      await pooler.close();
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
