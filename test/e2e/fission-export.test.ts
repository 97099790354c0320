import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExport, type ExportFile } from '../../src/fission/index.ts';
import { prepareFissionEnv, startFissionFunction } from '../support/fission-env.ts';
import { loadFissionValidator, readSpecDocuments } from '../support/fission-specs.ts';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';
import { createScratchDatabase, startPgbouncer } from '../support/postgres.ts';

/**
 * A release exported for Fission: its spec files validate against Fission's own CRDs, its archives
 * run in Fission's own Node.js environment server and answer as Tessera's runtime does, their
 * database calls reach the tenant's SQLite through the data endpoint, and the platform's read path
 * exported the same way answers as the Tessera service does, over PostgreSQL through pgbouncer.
 */

const DEPLOY_TOKEN = 'deploy-token-for-tests-0123456789';
const functions: Record<string, string> = {
  hello: "module.exports = async (context) => ({ status: 200, body: { hello: context.request.query.name ?? 'world', method: context.request.method } })",
  page: "module.exports = async () => ({ status: 200, body: '<h1>Shop</h1>' })",
  created:
    "module.exports = async (context) => ({ status: 201, headers: { 'x-shop': 'yes', 'content-type': 'text/plain' }, body: 'made ' + JSON.stringify(context.request.body) })",
  broken: "module.exports = async () => { throw new Error('out of stock') }",
  items: `const db = require('@tessera/db');
module.exports = async (context) => {
  if (context.request.method === 'POST') {
    const { name, photo } = context.request.body;
    const result = await db.execute('INSERT INTO items (name, photo) VALUES (?, ?)', [name, photo ? Buffer.from(photo) : null]);
    return { status: 201, body: { id: result.lastInsertRowid, changes: result.changes } };
  }
  const rows = await db.query('SELECT id, name, photo FROM items ORDER BY id');
  return { status: 200, body: rows.map((r) => ({ id: r.id, name: r.name, photo: r.photo ? Buffer.from(r.photo).toString('hex') : null })) };
};`,
  sneaky: `import db from '@tessera/db';
export default async function () {
  try {
    await db.query("ATTACH DATABASE '/etc/passwd' AS p");
    return { status: 200, body: 'attached' };
  } catch (err) {
    return { status: 400, body: { code: err.code, message: err.message } };
  }
}`,
};

let server: Awaited<ReturnType<typeof startTestServer>>;
let env: Awaited<ReturnType<typeof prepareFissionEnv>>;
let cleanupDb: () => Promise<void>;
let bouncerUrl: string;
const work = mkdtempSync(path.join(os.tmpdir(), 'fission-export-'));
const out = path.join(work, 'out');
const running: Array<{ close(): void }> = [];

async function post(route: string, body: unknown): Promise<any> {
  const res = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const decodeFiles = (files: Array<{ path: string; content: string; secret?: boolean }>): ExportFile[] =>
  files.map((f) => ({ path: f.path, content: Buffer.from(f.content, 'base64'), ...(f.secret ? { secret: true } : {}) }));

/** Unpacks an archive as Fission's fetcher does, into a folder of its own. */
function unpack(archive: string): string {
  const dir = mkdtempSync(path.join(work, 'userfunc-'));
  for (const [name, data] of Object.entries(unzipSync(readFileSync(archive)))) {
    if (name.endsWith('/')) continue;
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

/** Writes the Secret files as Fission mounts them: <root>/<namespace>/<name>/<key>. */
function mountSecrets(root: string, secrets: Array<{ namespace: string; name: string; data: Record<string, string> }>): void {
  for (const s of secrets) {
    const dir = path.join(root, s.namespace, s.name);
    mkdirSync(dir, { recursive: true });
    for (const [key, value] of Object.entries(s.data)) writeFileSync(path.join(dir, key), value);
  }
}

function secretOf(file: string): { namespace: string; name: string; data: Record<string, string> } {
  const doc = readSpecDocuments(path.dirname(file)).find((d) => d.file === file)!.doc as {
    metadata: { name: string; namespace: string };
    stringData: Record<string, string>;
  };
  return { namespace: doc.metadata.namespace, name: doc.metadata.name, data: doc.stringData };
}

/** What must match between Tessera and Fission: status, content type, the x- headers and the body. */
function comparable(status: number, headers: Record<string, string | string[] | undefined>, body: string) {
  const extra = Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('x-') && k !== 'x-powered-by' && k !== 'x-request-id'));
  return { status, contentType: headers['content-type'] ?? null, extra, body };
}

let exported: { names: { dataSecret: string; appSecret: string; functions: Record<string, { archive: string; function: string }> }; namespace: string };

beforeAll(async () => {
  const database = await createScratchDatabase();
  const bouncer = await startPgbouncer(database.name);
  bouncerUrl = bouncer.url;
  cleanupDb = async () => {
    await bouncer.close();
    await database.drop();
  };
  [server, env] = await Promise.all([startTestServer({ DATABASE_URL: bouncer.url, TESSERA_DEPLOY_TOKEN: DEPLOY_TOKEN }), prepareFissionEnv()]);
  await post('/api/tenants', { id: 'shop' });
  await post('/api/tenants', { id: 'other' });
  await post('/api/tenants/shop/tools/updateDatabaseSchema', { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, photo BLOB)' });
  await post('/api/tenants/other/tools/updateDatabaseSchema', { sql: 'CREATE TABLE secrets (id INTEGER PRIMARY KEY, value TEXT)' });
  for (const [name, code] of Object.entries(functions)) await post('/api/tenants/shop/tools/createBackendFunction', { name, code });
  await post('/api/tenants/shop/tools/createFrontendComponent', {
    name: 'Shelf',
    code: 'export default function Shelf(props: { items?: unknown[] }) { return <ul>{(props.items ?? []).length} items</ul>; }',
  });
  await post('/api/tenants/shop/tools/updateUILayout', {
    blueprint: { version: 1, title: 'Shop', routes: [{ path: '/', root: { component: 'Shelf', data: { items: { function: 'items' } } } }] },
  });
  await fetch(`${server.url}/api/tenants/shop/secrets/PAYMENT_KEY`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value: 'pk_live_never_exported' }),
  });
  await fetch(`${server.url}/api/tenants/shop/egress`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ allow: ['api.payments.example', '203.0.113.7:8443'] }),
  });
  await post('/api/tenants/shop/releases', { version: '1.0.0' });
  await post('/api/tenants/shop/releases/1.0.0/deploy', {});
  const result = await post('/api/tenants/shop/releases/1.0.0/export/fission', { dataUrl: server.url, namespace: 'apps' });
  exported = result;
  await writeExport(out, decodeFiles(result.files));
}, 240_000);

afterAll(async () => {
  for (const r of running) r.close();
  await server?.close();
  env?.cleanup();
  await cleanupDb?.();
  rmSync(work, { recursive: true, force: true });
});

describe('Fission export: spec files', () => {
  it("validates every document against Fission's CRD schemas, with unknown fields refused", () => {
    const validator = loadFissionValidator();
    const docs = readSpecDocuments(out);
    expect(docs.map((d) => d.doc.kind).sort()).toEqual(
      expect.arrayContaining(['ArchiveUploadSpec', 'DeploymentConfig', 'Environment', 'Function', 'HTTPTrigger', 'Package', 'Secret']),
    );
    const errors = docs.flatMap(({ doc }) => validator.validate(doc));
    expect(errors).toEqual([]);
  });

  it('catches a misspelt field, so the check above can fail', () => {
    const validator = loadFissionValidator();
    const fn = readSpecDocuments(out).find((d) => d.doc.kind === 'Function')!.doc as { spec: Record<string, unknown> };
    const misspelt = { ...fn, spec: { ...fn.spec, functionTimout: 5 } };
    expect(validator.validate(misspelt).join('\n')).toMatch(/functionTimout/);
  });

  it('has whole references: archive -> package -> function -> trigger, secrets, one namespace, unique DNS-1123 names', () => {
    const docs = readSpecDocuments(out).map((d) => d.doc as any);
    const of = (kind: string) => docs.filter((d) => d.kind === kind);
    const archives = new Map(of('ArchiveUploadSpec').map((a) => [a.name, a]));
    const packages = new Map(of('Package').map((p) => [p.metadata.name, p]));
    const fns = new Map(of('Function').map((f) => [f.metadata.name, f]));
    const envs = new Map(of('Environment').map((e) => [e.metadata.name, e]));
    const secrets = new Map(of('Secret').map((s) => [s.metadata.name, s]));
    expect(envs.size).toBe(1);
    expect(fns.size).toBe(Object.keys(functions).length);
    for (const a of archives.values()) for (const include of a.include) expect(existsSync(path.join(out, include)), include).toBe(true);
    for (const p of packages.values()) {
      expect(archives.has(p.spec.deployment.url.replace('archive://', ''))).toBe(true);
      expect(envs.has(p.spec.environment.name)).toBe(true);
    }
    for (const f of fns.values()) {
      expect(packages.has(f.spec.package.packageref.name)).toBe(true);
      expect(envs.has(f.spec.environment.name)).toBe(true);
      for (const s of f.spec.secrets) expect(secrets.has(s.name), s.name).toBe(true);
      expect(f.spec.InvokeStrategy.ExecutionStrategy.ExecutorType).toBe('poolmgr');
    }
    for (const t of of('HTTPTrigger')) expect(fns.has(t.spec.functionref.name)).toBe(true);
    const namespaced = docs.filter((d) => d.metadata);
    expect(new Set(namespaced.map((d) => d.metadata.namespace))).toEqual(new Set(['apps']));
    const names = namespaced.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
    // Triggers keep the app's URLs: /api/<fn> on the app's host.
    expect(
      of('HTTPTrigger')
        .map((t) => `${t.spec.host}${t.spec.prefix}`)
        .sort(),
    ).toEqual(
      Object.keys(functions)
        .map((f) => `shop.localhost/api/${f}`)
        .sort(),
    );
  });

  it('keeps credentials out of the archives, in an owner-only Secret file', () => {
    const secretFile = path.join(out, 'k8s', `secret-${exported.names.dataSecret}.yaml`);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const { data } = secretOf(secretFile);
    expect(data.url).toBe(`${server.url}/data/v1/shop`);
    expect(data.token).toMatch(/^tsd_/);
    for (const fn of Object.values(exported.names.functions)) {
      const archive = readFileSync(path.join(out, 'archives', `${fn.archive}.zip`));
      expect(archive.includes(Buffer.from(data.token!))).toBe(false);
    }
  });

  it("names the app's secrets without their values, and turns its egress allowlist into a NetworkPolicy", async () => {
    const appSecret = secretOf(path.join(out, 'k8s', `secret-${exported.names.appSecret}.yaml`));
    expect(appSecret.data).toEqual({ PAYMENT_KEY: '' });
    for (const file of readSpecDocuments(out).map((d) => d.file)) expect(readFileSync(file, 'utf8')).not.toContain('pk_live_never_exported');
    const policy = readSpecDocuments(path.join(out, 'k8s')).find((d) => d.doc.kind === 'NetworkPolicy')!;
    const spec = (policy.doc as any).spec;
    expect(spec.podSelector.matchLabels.environmentName).toBe(
      readSpecDocuments(out).find((d) => d.doc.kind === 'Environment')!.doc.metadata &&
        (readSpecDocuments(out).find((d) => d.doc.kind === 'Environment')!.doc as any).metadata.name,
    );
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '203.0.113.7/32' } }], ports: [{ protocol: 'TCP', port: 8443 }] });
    expect(readFileSync(policy.file, 'utf8')).toMatch(/toFQDNs: matchName: "api\.payments\.example"/);
  });

  it("puts each function's exact released bundle in its archive (byte for byte)", async () => {
    const snapshot = JSON.parse((await request(`${server.url}/api/tenants/shop/releases/1.0.0`)).text);
    const release = snapshot.snapshot ? JSON.parse(snapshot.snapshot) : snapshot;
    for (const [fn, names] of Object.entries(exported.names.functions)) {
      const files = unzipSync(readFileSync(path.join(out, 'archives', `${names.archive}.zip`)));
      expect(createHash('sha256').update(files['index.js']!).digest('hex')).toBe(release.functions[fn].digest);
    }
  });

  it('carries an @tessera/email that loads and refuses to send, saying why', async () => {
    const first = Object.values(exported.names.functions)[0]!;
    const dir = unpack(path.join(out, 'archives', `${first.archive}.zip`));
    const email = createRequire(path.join(dir, 'index.js'))('@tessera/email') as { send(mail: unknown): Promise<unknown> };
    await expect(email.send({ to: 'ada@example.com', subject: 'Hi', text: 'x' })).rejects.toMatchObject({
      code: 'EMAIL_FAILED',
      message: expect.stringMatching(/^@tessera\/email is not available to functions exported to Fission yet/),
    });
  });

  it('coexists with a second release and moves only the triggers, with a canary weight', async () => {
    await post('/api/tenants/shop/tools/createBackendFunction', {
      name: 'hello',
      code: "module.exports = async () => ({ status: 200, body: { hello: 'v2' } })",
    });
    await post('/api/tenants/shop/releases', { version: '1.1.0' });
    const second = await post('/api/tenants/shop/releases/1.1.0/export/fission', {
      dataUrl: server.url,
      namespace: 'apps',
      canary: { from: '1.0.0', weight: 10 },
      executor: 'newdeploy',
      minScale: 1,
      maxScale: 3,
      runtimeClass: 'gvisor',
    });
    const dir = path.join(work, 'two');
    await writeExport(dir, decodeFiles((await post('/api/tenants/shop/releases/1.0.0/export/fission', { dataUrl: server.url, namespace: 'apps' })).files));
    await writeExport(dir, decodeFiles(second.files));
    const docs = readSpecDocuments(dir).map((d) => d.doc as any);
    const validator = loadFissionValidator();
    expect(docs.flatMap((d) => validator.validate(d))).toEqual([]);
    const fnNames = docs.filter((d) => d.kind === 'Function').map((d) => d.metadata.name);
    expect(fnNames).toContain(exported.names.functions.hello!.function);
    expect(fnNames).toContain(second.names.functions.hello.function);
    const trigger = docs.find((d) => d.kind === 'HTTPTrigger' && d.metadata.name === second.names.functions.hello.trigger);
    expect(trigger.spec.functionref).toEqual({
      type: 'function-weights',
      name: second.names.functions.hello.function,
      functionweights: { [second.names.functions.hello.function]: 10, [exported.names.functions.hello!.function]: 90 },
    });
    const env = docs.find((d) => d.kind === 'Environment');
    // Fission merges this pod spec into its own; `containers` (required by the schema) adds none.
    expect(env.spec.runtime.podspec).toEqual({ runtimeClassName: 'gvisor', containers: [] });
    const newFn = docs.find((d) => d.kind === 'Function' && d.metadata.name === second.names.functions.hello.function);
    expect(newFn.spec.InvokeStrategy.ExecutionStrategy).toMatchObject({ ExecutorType: 'newdeploy', MinScale: 1, MaxScale: 3 });
  });

  it('refuses bad options and unknown releases with clear errors', async () => {
    const bad = await fetch(`${server.url}/api/tenants/shop/releases/1.0.0/export/fission`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataUrl: 'not a url' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/data-url/);
    const weight = await fetch(`${server.url}/api/tenants/shop/releases/1.0.0/export/fission`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ canary: { from: '1.0.0', weight: 150 } }),
    });
    expect(weight.status).toBe(400);
    const missing = await fetch(`${server.url}/api/tenants/shop/releases/9.9.9/export/fission`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('RELEASE_NOT_FOUND');
  });

  it("refuses a release with a function only the app's users may call, rather than open it on Fission", async () => {
    await post('/api/tenants', { id: 'private' });
    await post('/api/tenants/private/tools/createBackendFunction', {
      name: 'mine',
      access: 'user',
      code: 'module.exports = async () => ({ status: 200, body: "only for users" });',
    });
    await post('/api/tenants/private/releases', { version: '1.0.0' });
    const refused = await fetch(`${server.url}/api/tenants/private/releases/1.0.0/export/fission`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(409);
    const { error } = await refused.json();
    expect(error.code).toBe('EXPORT_UNSUPPORTED');
    expect(error.message).toContain('mine: user');
  });
});

describe("Fission export: in Fission's own Node.js environment", () => {
  const secretsRoot = path.join(work, 'secrets');
  const started = new Map<string, string>();

  async function fissionUrl(fn: string): Promise<string> {
    if (started.has(fn)) return started.get(fn)!;
    const dir = unpack(path.join(out, 'archives', `${exported.names.functions[fn]!.archive}.zip`));
    const f = await startFissionFunction(env.dir, dir, { functionName: 'index', env: { TESSERA_SECRETS_DIR: secretsRoot } });
    running.push(f);
    started.set(fn, f.url);
    return f.url;
  }

  beforeAll(() => {
    mountSecrets(secretsRoot, [
      secretOf(path.join(out, 'k8s', `secret-${exported.names.dataSecret}.yaml`)),
      { namespace: 'apps', name: exported.names.appSecret, data: {} },
    ]);
  });

  const requests: Array<{ fn: string; method?: string; query?: string; headers?: Record<string, string>; body?: string }> = [
    { fn: 'hello', query: '?name=ada' },
    { fn: 'hello', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
    { fn: 'page' },
    { fn: 'created', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":[1,2]}' },
    { fn: 'created', method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=two' },
    { fn: 'broken' },
  ];

  it.each(requests)("$fn $method $query answers as Tessera's live app does", async (r) => {
    const fissionBase = await fissionUrl(r.fn);
    const init = { method: r.method ?? 'GET', headers: r.headers ?? {}, ...(r.body !== undefined ? { body: r.body } : {}) };
    const theirs = await request(`${fissionBase}/${r.query ?? ''}`, init);
    const ours = await request(`${server.liveUrl('shop')}api/${r.fn}${r.query ?? ''}`, init);
    expect(comparable(ours.status, ours.headers as never, ours.text)).toEqual(comparable(theirs.status, theirs.headers as never, theirs.text));
  });

  it("reaches the tenant's database through the data endpoint, blobs included, as the local runtime does", async () => {
    const fissionBase = await fissionUrl('items');
    const created = await request(`${fissionBase}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lamp', photo: 'PNG' }),
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ changes: 1 });
    await request(`${server.liveUrl('shop')}api/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'desk' }),
    });
    const viaFission = await request(`${fissionBase}/`);
    const viaTessera = await request(`${server.liveUrl('shop')}api/items`);
    expect(viaFission.json()).toEqual([
      { id: 1, name: 'lamp', photo: Buffer.from('PNG').toString('hex') },
      { id: 2, name: 'desk', photo: null },
    ]);
    expect(viaFission.text).toBe(viaTessera.text);
  });

  it('keeps the hostile-SQL rules on the remote path', async () => {
    const theirs = await request(`${await fissionUrl('sneaky')}/`);
    const ours = await request(`${server.liveUrl('shop')}api/sneaky`);
    expect(theirs.status).toBe(400);
    expect(theirs.json().code).toBe('SQL_REFUSED');
    expect(theirs.text).toBe(ours.text);
  });

  it("refuses a missing, wrong or other tenant's token with 401", async () => {
    const endpoint = `${server.url}/data/v1/shop`;
    const body = JSON.stringify({ op: 'query', sql: 'SELECT 1 AS one' });
    const { data } = secretOf(path.join(out, 'k8s', `secret-${exported.names.dataSecret}.yaml`));
    const ok = await request(endpoint, { method: 'POST', headers: { authorization: `Bearer ${data.token}` }, body });
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ ok: true, value: [{ one: 1 }] });
    expect((await request(endpoint, { method: 'POST', body })).status).toBe(401);
    expect((await request(endpoint, { method: 'POST', headers: { authorization: 'Bearer tsd_wrong' }, body })).status).toBe(401);
    // The other tenant's own token does not open shop's database, nor does shop's open the other's.
    await post('/api/tenants/other/releases', { version: '1.0.0' });
    const other = await post('/api/tenants/other/releases/1.0.0/export/fission', { dataUrl: server.url });
    const otherSecret = other.files.find((f: { path: string }) => f.path === `k8s/secret-${other.names.dataSecret}.yaml`);
    const otherToken = /token: (\S+)/.exec(Buffer.from(otherSecret.content, 'base64').toString())![1];
    expect((await request(endpoint, { method: 'POST', headers: { authorization: `Bearer ${otherToken}` }, body })).status).toBe(401);
    const crossed = await request(`${server.url}/data/v1/other`, {
      method: 'POST',
      headers: { authorization: `Bearer ${data.token}` },
      body: JSON.stringify({ op: 'query', sql: 'SELECT * FROM secrets' }),
    });
    expect(crossed.status).toBe(401);
    expect(crossed.json().error.code).toBe('UNAUTHORIZED');
  });

  it('fails inside the function, not silently, when the Secret holds a wrong token', async () => {
    const badRoot = path.join(work, 'bad-secrets');
    const good = secretOf(path.join(out, 'k8s', `secret-${exported.names.dataSecret}.yaml`));
    mountSecrets(badRoot, [{ ...good, data: { ...good.data, token: 'tsd_not-the-token' } }]);
    const dir = unpack(path.join(out, 'archives', `${exported.names.functions.items!.archive}.zip`));
    const f = await startFissionFunction(env.dir, dir, { functionName: 'index', env: { TESSERA_SECRETS_DIR: badRoot } });
    running.push(f);
    const res = await request(`${f.url}/`);
    expect(res.status).toBe(500);
  });
});

describe("the platform's read path on Fission, over PostgreSQL through pgbouncer", () => {
  const secretsRoot = path.join(work, 'read-path-secrets');
  const urls = new Map<string, string>();

  beforeAll(async () => {
    const exportedReadPath = await post('/api/export/fission-read-path', { namespace: 'tessera', databaseUrl: bouncerUrl, deployToken: DEPLOY_TOKEN });
    const dir = path.join(work, 'read-path');
    await writeExport(dir, decodeFiles(exportedReadPath.files));
    const validator = loadFissionValidator();
    expect(readSpecDocuments(dir).flatMap(({ doc }) => validator.validate(doc))).toEqual([]);
    mountSecrets(secretsRoot, [secretOf(path.join(dir, 'k8s', 'secret-tessera-read-path.yaml'))]);
    for (const name of ['mfe-registry', 'sdui-config', 'releases']) {
      const unpacked = unpack(path.join(dir, 'archives', `tessera-${name}-zip.zip`));
      const f = await startFissionFunction(env.dir, unpacked, { functionName: 'index', env: { TESSERA_SECRETS_DIR: secretsRoot } });
      running.push(f);
      urls.set(name, f.url);
    }
  }, 120_000);

  const cases: Array<{ name: string; query: string; method?: string }> = [
    { name: 'mfe-registry', query: '?tenant=shop' },
    { name: 'mfe-registry', query: '?tenant=shop&version=1.1.0' },
    { name: 'sdui-config', query: '?tenant=shop' },
    { name: 'releases', query: '?tenant=shop' },
    { name: 'mfe-registry', query: '?tenant=nobody' },
    { name: 'sdui-config', query: '?tenant=Not_A_Tenant' },
    { name: 'releases', query: '?tenant=shop', method: 'DELETE' },
  ];

  it.each(cases)('$name $query answers exactly as the Tessera service', async (c) => {
    const method = c.method ?? 'GET';
    const theirs = await request(`${urls.get(c.name)}/${c.query}`, { method });
    const ours = await request(`${server.url}/api/serving/${c.name}${c.query}`, { method });
    expect(comparable(ours.status, ours.headers as never, ours.text)).toEqual(comparable(theirs.status, theirs.headers as never, theirs.text));
    if (c.query === '?tenant=shop' && method === 'GET') expect(theirs.status).toBe(200);
  });

  it('serves the live blueprint and bundles the service serves', async () => {
    const config = JSON.parse((await request(`${urls.get('sdui-config')}/?tenant=shop`)).text);
    const app = JSON.parse((await request(`${server.liveUrl('shop')}_tessera/app.json`)).text);
    expect(config.blueprint).toEqual(app.blueprint);
    const registry = JSON.parse((await request(`${urls.get('mfe-registry')}/?tenant=shop`)).text);
    expect(Object.values(app.components)).toEqual(Object.values(registry.components).map((c: any) => `/_tessera/mfe/${c.bundle}`));
  });

  it('deploys through the exported releases function with the deploy token only, and both paths see it', async () => {
    const body = JSON.stringify({ tenant: 'shop', version: '1.1.0' });
    const headers = { 'content-type': 'application/json' };
    expect((await request(`${urls.get('releases')}/`, { method: 'POST', headers, body })).status).toBe(401);
    expect(
      (await request(`${urls.get('releases')}/`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong-token-0123456789' }, body })).status,
    ).toBe(401);
    const deployed = await request(`${urls.get('releases')}/`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${DEPLOY_TOKEN}` }, body });
    expect(deployed.status).toBe(200);
    expect(deployed.json()).toEqual({ ok: true, tenant: 'shop', version: '1.1.0', previous: '1.0.0' });
    const theirs = await request(`${urls.get('releases')}/?tenant=shop`);
    const ours = await request(`${server.url}/api/serving/releases?tenant=shop`);
    expect(theirs.json().live).toBe('1.1.0');
    expect(ours.text).toBe(theirs.text);
    // And back through the service's own read path, which also swaps what it serves.
    const back = await request(`${server.url}/api/serving/releases`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${DEPLOY_TOKEN}` },
      body: JSON.stringify({ tenant: 'shop', version: '1.0.0' }),
    });
    expect(back.json()).toEqual({ ok: true, tenant: 'shop', version: '1.0.0', previous: '1.1.0' });
    expect((await request(`${urls.get('releases')}/?tenant=shop`)).json().live).toBe('1.0.0');
    expect((await request(`${server.liveUrl('shop')}api/hello`)).json()).toEqual({ hello: 'world', method: 'GET' });
  });

  it('refuses, on the cluster, a release whose migrations the live database lacks: only the service migrates live data', async () => {
    await post('/api/tenants/shop/tools/updateDatabaseSchema', { sql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER)' });
    await post('/api/tenants/shop/releases', { version: '1.2.0' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${DEPLOY_TOKEN}` };
    const refused = await request(`${urls.get('releases')}/`, { method: 'POST', headers, body: JSON.stringify({ tenant: 'shop', version: '1.2.0' }) });
    expect(refused.status).toBe(403);
    expect(refused.json().error.message).toContain(
      'this read path cannot migrate live data. Deploy it through the Tessera service (tessera deploy shop 1.2.0)',
    );
    expect((await request(`${urls.get('releases')}/?tenant=shop`)).json().live).toBe('1.0.0');
    // The service applies the migration (after a snapshot); then the cluster may roll back and forth between releases of that schema.
    const deployed = await post('/api/tenants/shop/releases/1.2.0/deploy', {});
    expect(deployed.migrations).toMatchObject({ from: 1, to: 2 });
    const back = await request(`${urls.get('releases')}/`, { method: 'POST', headers, body: JSON.stringify({ tenant: 'shop', version: '1.1.0' }) });
    expect(back.status).toBe(200);
  });
});
