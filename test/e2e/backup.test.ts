import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Header, list } from 'tar';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackupRefused, restoreBackup } from '../../src/backup/index.ts';
import { resolveConfig } from '../../src/config.ts';
import { createSilentLogger } from '../../src/log.ts';
import { createPlatform } from '../../src/platform.ts';
import { startServer } from '../../src/server/index.ts';
import { ANONYMOUS, forgetCredential, rememberCredential } from '../support/credentials.ts';
import { request } from '../support/http.ts';
import { fixturePackages } from '../support/npm-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../support/npm-registry.ts';
import { startTestServer } from '../support/platform.ts';
import { createScratchDatabase, POSTGRES_ADMIN_URL } from '../support/postgres.ts';

/**
 * `tessera backup` and `tessera restore-backup` (DESIGN.md, "Draft data, live data, snapshots"): a
 * backup taken while a writer keeps writing to an app's live origin is consistent, and restored onto
 * a new DATA_DIR (PGlite) and onto a fresh PostgreSQL database the platform serves the same apps,
 * data, users, tokens, secrets and releases. Bad archives and non-empty targets are refused.
 */
vi.setConfig({ testTimeout: 120_000 });
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'tessera-backup-test-'));
const archive = path.join(work, 'platform.tar.gz');
const SECRET = 'sk_backup_5e1f2a3b4c';
let server: Awaited<ReturnType<typeof startTestServer>>;
let npm: TestRegistry;
let apiToken: string;
let releasesBefore: unknown;
let snapshotsBefore: Array<{ id: string }>;
/** The rows the live database of shop held before the backup started (acknowledged with 201). */
const acknowledged: number[] = [];

async function tessera(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), ...args], {
      cwd: work,
      env: { ...process.env, XDG_CONFIG_HOME: work, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const api = (base: string, route: string, body?: unknown, method = body === undefined ? 'GET' : 'POST', headers: Record<string, string> = {}) =>
  request(`${base}${route}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const onApp = (port: number, host: string, route: string, body?: unknown) =>
  request(`http://127.0.0.1:${port}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    host: `${host}.localhost:${port}`,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const ITEMS = `const db = require('@tessera/db');
module.exports = async (context) => {
  if (context.request.method === 'POST') {
    const { lastInsertRowid } = await db.execute('INSERT INTO items (name) VALUES (?)', [String(context.request.body.name)]);
    return { status: 201, body: { id: Number(lastInsertRowid) } };
  }
  return { status: 200, body: await db.query('SELECT id, name FROM items ORDER BY id') };
};`;
const READER = "const { secret } = require('@tessera/secrets'); module.exports = async () => ({ status: 200, body: { key: secret('API_KEY') } });";

/** A platform on an existing DATA_DIR (and registry), as `npm start` would run it there. */
async function startOn(dataDir: string, databaseUrl?: string) {
  const token = `restored-${Math.random().toString(36).slice(2)}`;
  const config = resolveConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    TESSERA_TOKEN: token,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const platform = await createPlatform(config, createSilentLogger());
  const running = await startServer(platform);
  rememberCredential(running.port, token);
  return {
    url: running.url,
    port: running.port,
    platform,
    async close() {
      forgetCredential(running.port);
      await running.close();
      await platform.close();
    },
  };
}

beforeAll(async () => {
  npm = await startTestRegistry(fixturePackages().packages.filter((p) => p.name === 'cjs-greet'));
  server = await startTestServer({ npm_config_registry: npm.url, PACKAGE_REGISTRY_TIMEOUT_MS: '5000' });
  const base = server.url;
  const port = server.server.port;
  for (const id of ['shop', 'blog']) expect((await api(base, '/api/tenants', { id })).status).toBe(201);
  for (const [app, table] of [
    ['shop', 'items'],
    ['blog', 'items'],
  ] as const) {
    const schema = await api(base, `/api/tenants/${app}/tools/updateDatabaseSchema`, {
      sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);`,
    });
    expect(schema.json().ok, schema.text).toBe(true);
    const fn = await api(base, `/api/tenants/${app}/tools/createBackendFunction`, { name: 'items', code: ITEMS });
    expect(fn.json().ok, fn.text).toBe(true);
  }
  expect((await api(base, '/api/tenants/shop/tools/createBackendFunction', { name: 'reader', code: READER })).json().ok).toBe(true);
  const greet = await api(base, '/api/tenants/blog/tools/createBackendFunction', {
    name: 'greet',
    code: "const { greet } = require('cjs-greet'); module.exports = async () => ({ status: 200, body: { text: greet('backup') } });",
  });
  expect(greet.json().ok, greet.text).toBe(true);
  expect((await api(base, '/api/tenants/shop/secrets/API_KEY', { value: SECRET }, 'PUT')).status).toBe(200);
  expect((await api(base, '/api/tenants/shop/releases', { version: '1.0.0', notes: 'first' })).status).toBe(201);
  const deployed = await api(base, '/api/tenants/shop/releases/1.0.0/deploy', {});
  expect(deployed.status, deployed.text).toBe(200);
  // The deploy applied the release's migration to the live database.
  expect(await (await server.platform.tenants.get('shop')).liveDb.currentVersion()).toBe(1);
  // Live and draft hold different rows.
  for (const name of ['live-a', 'live-b']) {
    const added = await onApp(port, 'shop', '/api/items', { name });
    expect(added.status, added.text).toBe(201);
  }
  expect((await onApp(port, 'draft.shop', '/api/items', { name: 'draft-only' })).status).toBe(201);
  expect((await onApp(port, 'draft.blog', '/api/items', { name: 'blog-draft' })).status).toBe(201);
  // An app user, a builder member and an API token.
  expect((await api(base, '/api/tenants/shop/app-auth', { signup: 'open' }, 'PUT')).status).toBe(200);
  expect((await onApp(port, 'shop', '/_tessera/auth/signup', { email: 'ann@example.com', password: 'ann-password-1' })).status).toBe(201);
  expect((await api(base, '/api/users', { id: 'bob', email: 'bob@example.com', admin: false })).status).toBe(201);
  expect((await api(base, '/api/tenants/shop/members/bob', { role: 'editor', direct: true }, 'PUT')).status).toBe(200);
  // An administrator who signs in with a password makes a personal API token (TESSERA_TOKEN cannot).
  expect((await api(base, '/api/users', { id: 'ops', email: 'ops@example.com', admin: true, password: 'ops-password-12345' })).status).toBe(201);
  const session = await request(`${base}/api/auth/password`, {
    method: 'POST',
    headers: { ...ANONYMOUS },
    body: JSON.stringify({ login: 'ops', password: 'ops-password-12345' }),
  });
  expect(session.status, session.text).toBe(200);
  const cookie = [session.headers['set-cookie'] ?? []]
    .flat()
    .map((line) => line.split(';')[0])
    .join('; ');
  const token = await request(`${base}/api/tokens`, { method: 'POST', headers: { ...ANONYMOUS, cookie }, body: JSON.stringify({ name: 'ops' }) });
  expect(token.status, token.text).toBe(201);
  apiToken = token.json().token;
  releasesBefore = (await api(base, '/api/tenants/shop/releases')).json();
  // The deploy snapshotted the live database first: the backup carries snapshots too.
  snapshotsBefore = await server.platform.snapshots.list('shop');
  expect(snapshotsBefore.length).toBeGreaterThan(0);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await npm?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('tessera backup', () => {
  it('writes a consistent archive while a writer keeps writing to the live app', async () => {
    const port = server.server.port;
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const res = await onApp(port, 'shop', '/api/items', { name: `w${n++}` });
        if (res.status === 201) acknowledged.push(res.json().id);
      }
    })();
    while (acknowledged.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const before = [...acknowledged];
    const result = await tessera(['--url', server.url, 'backup', '--out', archive], { TESSERA_TOKEN: server.token });
    writing = false;
    await writer;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Backing up 2 apps/);
    expect(result.stderr).toMatch(/app shop:/);
    expect(result.stderr).toMatch(/app blog:/);
    expect(result.stdout).toMatch(/with the sealing key/);
    acknowledged.splice(0, acknowledged.length, ...before);

    const entries: string[] = [];
    await list({ file: archive, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries[0]).toBe('manifest.json');
    expect(entries.at(-1)).toBe('end.json');
    for (const expected of [
      'registry/releases.ndjson',
      'registry/tenant_secrets.ndjson',
      'data/tenants/shop/db/app.sqlite',
      'data/tenants/shop/draft-db/app.sqlite',
      'data/tenants/blog/draft-db/app.sqlite',
      'data/secret.key',
    ])
      expect(entries).toContain(expected);
    expect(entries.some((e) => e.startsWith('data/tenants/shop/repo/.git/'))).toBe(true);
    expect(entries.some((e) => e.startsWith('data/artifacts/'))).toBe(true);
    for (const { id } of snapshotsBefore) expect(entries).toContain(`data/tenants/shop/db/snapshots/${id}.sqlite`);
    expect(entries.some((e) => e.startsWith('data/packages/') && e.endsWith('cjs-greet/lib/index.js'))).toBe(true);

    // The live copy is whole and has every row acknowledged before the backup began (read here, in
    // the test, from the extracted copy: never the platform's own file).
    const peek = path.join(work, 'peek');
    mkdirSync(peek);
    const { x } = await import('tar');
    await x({ file: archive, cwd: peek, filter: (p) => p.startsWith('data/tenants/shop/') && p.endsWith('.sqlite') });
    const live = new Database(path.join(peek, 'data/tenants/shop/db/app.sqlite'), { readonly: true });
    expect(live.pragma('integrity_check', { simple: true })).toBe('ok');
    const ids = new Set((live.prepare('SELECT id FROM items').all() as Array<{ id: number }>).map((r) => r.id));
    live.close();
    for (const id of acknowledged) expect(ids.has(id), `row ${id}`).toBe(true);
    const draft = new Database(path.join(peek, 'data/tenants/shop/draft-db/app.sqlite'), { readonly: true });
    expect(draft.prepare('SELECT name FROM items').all()).toEqual([{ name: 'draft-only' }]);
    draft.close();
  });

  it('leaves the key out with --without-key, and says what that means', async () => {
    const res = await fetch(`${server.url}/api/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: '{"withoutKey":true}',
    });
    expect(res.status).toBe(200);
    const file = path.join(work, 'without-key.tar.gz');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const entries: string[] = [];
    await list({ file, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries).not.toContain('data/secret.key');
    expect(entries.at(-1)).toBe('end.json');
    const refused = await tessera(['--url', server.url, 'backup', '--out', path.join(work, 'nokey.tar.gz'), '--without-key'], { TESSERA_TOKEN: 'not-a-token' });
    expect(refused.stderr).toMatch(/cannot be decrypted without that key/);
    expect(refused.code).not.toBe(0);
    expect(existsSync(path.join(work, 'nokey.tar.gz'))).toBe(false);
    // Only administrators back up a platform.
    const anonymous = await fetch(`${server.url}/api/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}x`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
    const audit = await api(server.url, '/api/audit?limit=20');
    expect(
      audit
        .json()
        .entries.filter((e: { action: string }) => e.action === 'backup.create')
        .map((e: { outcome: string }) => e.outcome),
    ).toContain('ok');
  });

  it('stops cleanly when the client goes away, and the next backup runs', async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/api/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: '{}',
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    const staging = () => readdirSync(server.dataDir).filter((name) => name.startsWith('.backup-'));
    for (let i = 0; i < 100 && staging().length; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(staging()).toEqual([]);
    const next = await fetch(`${server.url}/api/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(next.status).toBe(200);
    expect((await next.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });
});

/** What a restored platform must show: the same apps, rows, users, tokens, secret and releases. */
async function checkRestored(restored: Awaited<ReturnType<typeof startOn>>): Promise<void> {
  const live = await onApp(restored.port, 'shop', '/api/items');
  expect(live.status, live.text).toBe(200);
  const ids = new Set((live.json() as Array<{ id: number; name: string }>).map((r) => r.id));
  for (const id of acknowledged) expect(ids.has(id)).toBe(true);
  expect((live.json() as Array<{ name: string }>).map((r) => r.name)).not.toContain('draft-only');
  expect((await onApp(restored.port, 'draft.shop', '/api/items')).json()).toEqual([{ id: 1, name: 'draft-only' }]);
  expect((await onApp(restored.port, 'draft.blog', '/api/items')).json()).toEqual([{ id: 1, name: 'blog-draft' }]);
  expect((await onApp(restored.port, 'draft.blog', '/api/greet')).json()).toEqual({ text: 'hello backup' });
  expect((await onApp(restored.port, 'shop', '/_tessera/auth/signin', { email: 'ann@example.com', password: 'ann-password-1' })).status).toBe(200);
  expect((await onApp(restored.port, 'shop', '/api/reader')).json()).toEqual({ key: SECRET });
  const me = await api(restored.url, '/api/me', undefined, 'GET', { authorization: `Bearer ${apiToken}` });
  expect(me.status, me.text).toBe(200);
  expect(me.json().admin).toBe(true);
  const members = await api(restored.url, '/api/tenants/shop/members');
  expect(JSON.stringify(members.json())).toContain('bob');
  expect((await api(restored.url, '/api/tenants/shop/releases')).json()).toEqual(releasesBefore);
  expect(await restored.platform.snapshots.list('shop')).toEqual(snapshotsBefore);
  for (const { id } of snapshotsBefore) expect(existsSync(restored.platform.snapshots.fileOf('shop', id))).toBe(true);
}

describe('tessera restore-backup', () => {
  beforeAll(() => npm.close());

  it('restores onto a new DATA_DIR with PGlite: every app live with the same data and users', async () => {
    const dataDir = path.join(work, 'restored-pglite');
    const result = await tessera(['restore-backup', archive], { DATA_DIR: dataDir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/app shop/);
    expect(result.stdout).toMatch(/Restored 2 apps/);
    expect(readdirSync(work).filter((name) => name.includes('.restoring-'))).toEqual([]);
    const restored = await startOn(dataDir);
    try {
      await checkRestored(restored);
    } finally {
      await restored.close();
    }
  });

  it('restores onto a fresh PostgreSQL database, and refuses one that is not empty', async () => {
    const database = await createScratchDatabase();
    const databaseUrl = POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${database.name}`);
    try {
      const dataDir = path.join(work, 'restored-postgres');
      const report = await restoreBackup({ file: archive, dataDir, databaseUrl });
      expect(report.manifest.apps).toEqual(['blog', 'shop']);
      expect(existsSync(path.join(dataDir, 'registry'))).toBe(false);
      const restored = await startOn(dataDir, databaseUrl);
      try {
        await checkRestored(restored);
      } finally {
        await restored.close();
      }
      const again = path.join(work, 'again');
      await expect(restoreBackup({ file: archive, dataDir: again, databaseUrl })).rejects.toThrow(/DATABASE_URL is not empty/);
      expect(existsSync(again)).toBe(false);
    } finally {
      await database.drop();
    }
  });
});

/** A gzip'd tar built by hand, so an entry can be what Tessera never writes. */
function rawArchive(entries: Array<{ path: string; body?: string; type?: 'File' | 'SymbolicLink' | 'Directory'; linkpath?: string }>): string {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = new Header({
      path: entry.path,
      mode: 0o644,
      size: entry.type && entry.type !== 'File' ? 0 : body.length,
      mtime: new Date(0),
      type: entry.type ?? 'File',
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (body.length && (!entry.type || entry.type === 'File')) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const file = path.join(work, `crafted-${Math.random().toString(36).slice(2)}.tar.gz`);
  writeFileSync(file, gzipSync(Buffer.concat(blocks)));
  return file;
}

describe('restore-backup refuses', () => {
  const target = () => path.join(work, `target-${Math.random().toString(36).slice(2)}`);
  const manifestText = async (): Promise<string> => {
    let text = '';
    await list({
      file: archive,
      onReadEntry: (entry) => {
        if (entry.path === 'manifest.json') entry.on('data', (c: Buffer) => (text += c.toString()));
      },
    });
    return text;
  };
  const refuses = async (file: string, message: RegExp, dataDir = target()) => {
    const err = await restoreBackup({ file, dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupRefused);
    expect((err as Error).message).toMatch(message);
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(work).filter((name) => name.includes('.restoring-'))).toEqual([]);
  };

  it('a DATA_DIR that is not empty, changing nothing', async () => {
    const dataDir = target();
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'keep.txt'), 'mine');
    const err = await restoreBackup({ file: archive, dataDir }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/is not empty/);
    expect(readdirSync(dataDir)).toEqual(['keep.txt']);
    const cli = await tessera(['restore-backup', archive], { DATA_DIR: dataDir });
    expect([cli.code, cli.stderr]).toEqual([1, expect.stringMatching(/is not empty.*Nothing was changed/s)]);
  });

  it('a file that is not a Tessera backup', async () => {
    const junk = path.join(work, 'junk.tar.gz');
    writeFileSync(junk, 'just some text, not an archive at all');
    await refuses(junk, /not a complete Tessera backup|not a Tessera backup/);
    await refuses(rawArchive([{ path: 'hello.txt', body: 'hi' }]), /does not start with manifest.json/);
    await refuses(rawArchive([{ path: 'manifest.json', body: '{"format":"zip"}' }]), /not a Tessera backup/);
  });

  it('a truncated archive', async () => {
    const whole = readFileSync(archive);
    // Cut inside the registry, inside an app's files, near the end.
    for (const fraction of [0.02, 0.3, 0.6, 0.9, 0.999]) {
      const cut = path.join(work, `cut-${fraction}.tar.gz`);
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * fraction)));
      await refuses(cut, /not a complete Tessera backup|cut short/);
    }
  });

  it('a backup from a newer registry schema', async () => {
    const manifest = JSON.parse(await manifestText());
    manifest.registry.migrations.push('f'.repeat(64));
    await refuses(rawArchive([{ path: 'manifest.json', body: JSON.stringify(manifest) }]), /newer Tessera/);
  });

  it('entries that would escape DATA_DIR: .. paths and symbolic links', async () => {
    const manifest = await manifestText();
    await refuses(
      rawArchive([
        { path: 'manifest.json', body: manifest },
        { path: 'data/../../escaped.txt', body: 'x' },
      ]),
      /unsafe path/,
    );
    expect(existsSync(path.join(work, 'escaped.txt'))).toBe(false);
    await refuses(
      rawArchive([
        { path: 'manifest.json', body: manifest },
        { path: '/tmp/absolute.txt', body: 'x' },
      ]),
      /unsafe path/,
    );
    await refuses(
      rawArchive([
        { path: 'manifest.json', body: manifest },
        { path: 'data/tenants/shop/repo/link', type: 'SymbolicLink', linkpath: '/etc' },
      ]),
      /SymbolicLink.*never symbolic links/,
    );
    // Nor anything else in DATA_DIR: the registry's own folder would be opened as a database.
    await refuses(
      rawArchive([
        { path: 'manifest.json', body: manifest },
        { path: 'data/registry/PG_VERSION', body: '17' },
      ]),
      /Unexpected entry/,
    );
  });
});
