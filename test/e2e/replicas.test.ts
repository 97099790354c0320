import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { installFetchCredentials } from '../support/credentials.ts';
import { request } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { createScratchDatabase, startPgbouncer } from '../support/postgres.ts';
import { bootReplica } from '../support/replicas.ts';

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

const boot = (port: number) => bootReplica({ port, dataDir, databaseUrl: bouncer.url, token, leaseTtlMs: TTL_MS });

const api = (replica: number, route: string, body?: unknown) =>
  fetch(`${replicas[replica]!.url}${route}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const app = (replica: number, route: string, init: { method?: string; body?: string } = {}) => request(`http://127.0.0.1:${replicas[replica]!.port}${route}`, { host: `draft.shared.localhost:${replicas[replica]!.port}`, ...init });

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
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    // One at a time: the first runs the registry's migrations.
    replicas.push({ port, child: await boot(port), url: `http://localhost:${port}` });
  }
});
afterAll(async () => {
  for (const { child } of replicas) if (child.exitCode === null) child.kill('SIGKILL');
  await bouncer?.close();
  await database?.drop();
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
    const anonymous = await fetch(`${replicas[1]!.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-anonymous': '1' }, body: '{"id":"ghost"}' });
    expect(anonymous.status).toBe(401);
    expect((await request(`http://127.0.0.1:${replicas[1]!.port}/`, { host: `ghost.localhost:${replicas[1]!.port}` })).status).toBe(404);
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
      Array.from({ length: 20 }, (_, i) => api(i % 2, '/api/tenants/shared/tools/createBackendFunction', { name: `fn-${i}`, code: `module.exports = async () => ({ status: 200, body: { n: ${i} } })` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const commits = (await (await api(1, '/api/tenants/shared/commits?limit=500')).json()).commits as Array<{ message: string }>;
    expect(commits.length - before).toBe(20);
    const names = commits.slice(0, 20).map((c) => /fn-(\d+)/.exec(c.message)?.[1]).map(Number).sort((a, b) => a - b);
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // B never wrote: it forwarded every call to A, which held the tenant throughout.
    expect(await leaseHolder('shared')).toBe(idA);
  });

  it('answers the app and its functions the same through both replicas, server-sent events included', async () => {
    expect((await app(1, '/api/notes', { method: 'POST', body: JSON.stringify({ text: 'written via B' }) })).status).toBe(201);
    expect((await app(0, '/api/notes', { method: 'POST', body: JSON.stringify({ text: 'written via A' }) })).status).toBe(201);
    const [a, b] = [await app(0, '/api/notes'), await app(1, '/api/notes')];
    expect(a.status).toBe(200);
    expect(b.text).toBe(a.text);
    expect(a.json().map((n: { text: string }) => n.text).sort()).toEqual(['written via A', 'written via B']);
    expect((await app(1, '/api/fn-7')).json()).toEqual({ n: 7 });
    // A function reached through the other replica sees the client's headers, not the replicas' own.
    expect((await api(0, '/api/tenants/shared/tools/createBackendFunction', { name: 'headers', code: 'module.exports = async (context) => ({ status: 200, body: context.request.headers })' })).status).toBe(200);
    const echoed = (await request(`http://127.0.0.1:${replicas[1]!.port}/api/headers`, { host: `draft.shared.localhost:${replicas[1]!.port}`, headers: { 'x-custom': 'kept' } })).json();
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

  it('hands a tenant over when its holder dies, with its history and data intact', async () => {
    const commitsBefore = (await (await api(0, '/api/tenants/shared/commits?limit=500')).json()).commits.length;
    replicas[0]!.child.kill('SIGKILL');
    await new Promise((resolve) => replicas[0]!.child.once('exit', resolve));
    const started = Date.now();
    let answer = await app(1, '/api/notes');
    while (answer.status !== 200 && Date.now() - started < TTL_MS + 15_000) {
      expect(answer.status).toBe(503);
      expect(answer.json().error.code).toBe('TENANT_UNAVAILABLE');
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await app(1, '/api/notes');
    }
    expect(answer.status).toBe(200);
    expect(answer.json().map((n: { text: string }) => n.text).sort()).toEqual(['written via A', 'written via B']);
    const idB = (await (await api(1, '/healthz')).json()).replica as string;
    expect(await leaseHolder('shared')).toBe(idB);
    expect((await (await api(1, '/api/tenants/shared/commits?limit=500')).json()).commits.length).toBe(commitsBefore);
    // And it takes writes.
    expect((await api(1, '/api/tenants/shared/tools/createBackendFunction', { name: 'after', code: "module.exports = async () => ({ status: 200, body: 'after' })" })).status).toBe(200);
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
});
