import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { createApp, tenantFromHost } from './app.ts';

const example = (file: string) => readFileSync(new URL(`../../examples/notes/${file}`, import.meta.url), 'utf8');

let test: TestPlatform;
let app: ReturnType<typeof createApp>;

type Answer = { status: number; body: any; headers: Headers };

async function request(method: string, path: string, body?: unknown, host = 'localhost:3000'): Promise<Answer> {
  const res = await app.request(path, {
    method,
    headers: { host, authorization: `Bearer ${test.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

const tool = (tenant: string, name: string, args: unknown) => request('POST', `/api/tenants/${tenant}/tools/${name}`, args);
const commits = async (tenant: string) => (await request('GET', `/api/tenants/${tenant}/commits`)).body.commits as Array<{ message: string }>;

beforeAll(async () => {
  test = await createTestPlatform({ FUNCTION_TIMEOUT_MS: '2000' });
  app = createApp(test.platform);
});
afterAll(() => test.close());

describe('host routing', () => {
  it('maps hosts to tenants', () => {
    expect(tenantFromHost('notes.localhost:3000', 'localhost')).toBe('notes');
    expect(tenantFromHost('NOTES.localhost', 'localhost')).toBe('notes');
    expect(tenantFromHost('localhost:3000', 'localhost')).toBeNull();
    expect(tenantFromHost('127.0.0.1:3000', 'localhost')).toBeNull();
  });

  it('serves health and the builder page', async () => {
    expect((await request('GET', '/healthz')).body).toMatchObject({ status: 'ok', isolation: expect.stringMatching(/^(bubblewrap|process)$/) });
    const page = await request('GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Tessera</title>');
  });

  it('answers 404 for unknown app hosts and 400 for hosts that are not DNS labels', async () => {
    expect((await request('GET', '/', undefined, 'nope.localhost:3000')).status).toBe(404);
    const bad = await request('GET', '/', undefined, 'bad_name.localhost:3000');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_TENANT_ID');
  });
});

describe('control-plane guards', () => {
  it('answers 421 to host names it does not serve (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:3000', 'localhost.evil.example:3000', '10.0.0.1:3000']) {
      const answer = await request('GET', '/api/tenants', undefined, host);
      expect(answer.status, host).toBe(421);
      expect(answer.body.error.code).toBe('MISDIRECTED_HOST');
    }
    expect((await request('GET', '/healthz', undefined, '127.0.0.1:3000')).status).toBe(200);
  });

  it('refuses writes that are not JSON or come from another origin, changing nothing', async () => {
    // Signed in (the cross-site checks hold whatever the credential): a page of another site must not write.
    const send = (headers: Record<string, string>) =>
      app.request('/api/tenants', {
        method: 'POST',
        headers: { host: 'localhost:3000', authorization: `Bearer ${test.token}`, ...headers },
        body: '{"id":"sneaky"}',
      });
    const plain = await send({ 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect((await send({})).status).toBe(415);
    expect((await send({ 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    const crossSite = await send({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect((await send({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await send({ 'content-type': 'application/json', origin: 'http://notes.localhost:3000' })).status).toBe(403);
    expect((await request('GET', '/api/tenants')).body.tenants.map((t: { id: string }) => t.id)).not.toContain('sneaky');
    const ok = await send({ 'content-type': 'application/json', origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(201);
    expect((await request('DELETE', '/api/tenants/sneaky')).status).toBe(204);
  });
});

describe('tenants API', () => {
  it('creates, lists, gets and deletes tenants', async () => {
    const created = await request('POST', '/api/tenants', { id: 'alpha' });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe('alpha');
    expect(created.body.url).toBe('http://alpha.localhost:3000/');
    expect((await request('POST', '/api/tenants', { id: 'alpha' })).status).toBe(409);
    expect((await request('GET', '/api/tenants')).body.tenants.map((t: { id: string }) => t.id)).toContain('alpha');
    expect((await request('GET', '/api/tenants/alpha')).body.routes).toEqual([]);
    expect(await commits('alpha')).toEqual([expect.objectContaining({ message: 'Create app alpha' })]);
    expect((await request('DELETE', '/api/tenants/alpha')).status).toBe(204);
    expect((await request('GET', '/api/tenants/alpha')).status).toBe(404);
    expect((await request('DELETE', '/api/tenants/alpha')).status).toBe(404);
  });

  it('refuses ids that are not DNS labels with 400', async () => {
    for (const id of ['Notes', 'no_underscore', '-dash', 'dash-', 'a'.repeat(64), '', '../etc', 'a.b', 42, null]) {
      const answer = await request('POST', '/api/tenants', { id });
      expect(answer.status, JSON.stringify(id)).toBe(400);
      expect(answer.body.error.code).toBe('INVALID_TENANT_ID');
    }
    expect((await request('GET', '/api/tenants/Bad_Id')).status).toBe(400);
  });

  it('refuses malformed JSON with 400', async () => {
    const answer = await request('POST', '/api/tenants', '{"id": ');
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_JSON');
  });

  it('serves the blueprint JSON Schema and the tool list', async () => {
    const schema = await request('GET', '/api/schema/blueprint');
    expect(schema.body.properties.routes.type).toBe('array');
    const tools = (await request('GET', '/api/tools')).body.tools.map((t: { name: string }) => t.name);
    expect(tools.slice(0, 4)).toEqual(['updateDatabaseSchema', 'createBackendFunction', 'createFrontendComponent', 'updateUILayout']);
    expect(tools).toContain('queryDatabase');
  });
});

describe('the four tools', () => {
  beforeAll(async () => {
    expect((await request('POST', '/api/tenants', { id: 'notes' })).status).toBe(201);
  });

  it('builds the notes app, one commit per change', async () => {
    const schema = await tool('notes', 'updateDatabaseSchema', { sql: example('schema.sql') });
    expect(schema.body).toMatchObject({ ok: true, result: { version: 1, statements: 2, file: 'migrations/0001_create_table_notes.sql' } });
    expect((await tool('notes', 'createBackendFunction', { name: 'notes', code: example('notes.js') })).body.ok).toBe(true);
    const component = await tool('notes', 'createFrontendComponent', { name: 'NotesApp', code: example('NotesApp.tsx') });
    expect(component.body.result.bundle).toMatch(/^\/_tessera\/mfe\/NotesApp\.[0-9a-f]{12}\.js$/);
    expect((await tool('notes', 'updateUILayout', { blueprint: JSON.parse(example('blueprint.json')) })).body.ok).toBe(true);
    expect((await commits('notes')).map((c) => c.message)).toEqual([
      'Update UI layout: 1 route (/)',
      'Add component NotesApp',
      'Add function notes',
      'Migration 1: 2 statements (create table notes)',
      'Create app notes',
    ]);

    const host = 'draft.notes.localhost:3000';
    const added = await request('POST', '/api/notes', { text: 'first' }, host);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 1, text: 'first' });
    const listed = await request('GET', '/api/notes', undefined, host);
    expect(listed.body.map((n: { text: string }) => n.text)).toEqual(['first']);
    expect((await request('GET', '/api/missing', undefined, host)).status).toBe(404);

    const shell = await request('GET', '/', undefined, host);
    expect(shell.headers.get('content-type')).toContain('text/html');
    expect(shell.body).toContain('type="importmap"');
    const bundle = await request('GET', component.body.result.bundle, undefined, host);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toContain('immutable');
    // Another tenant's origin does not serve this tenant's bundle.
    await request('POST', '/api/tenants', { id: 'other' });
    expect((await request('GET', component.body.result.bundle, undefined, 'draft.other.localhost:3000')).status).toBe(404);
  });

  async function expectNoChange(tenant: string, attempt: () => Promise<Answer>, code: string, status = 400): Promise<Answer> {
    const before = await commits(tenant);
    const dbBefore = (await request('GET', `/api/tenants/${tenant}/database`)).body;
    const answer = await attempt();
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.ok).toBe(false);
    expect(answer.body.error.code).toBe(code);
    expect(await commits(tenant)).toEqual(before);
    expect((await request('GET', `/api/tenants/${tenant}/database`)).body).toEqual(dbBefore);
    return answer;
  }

  it('rolls back a migration whose later statement fails', async () => {
    const answer = await expectNoChange(
      'notes',
      () =>
        tool('notes', 'updateDatabaseSchema', { sql: 'CREATE TABLE tags (id INTEGER PRIMARY KEY); CREATE TABLE more (x); INSERT INTO nowhere VALUES (1);' }),
      'SQL_ERROR',
    );
    expect(answer.body.error.message).toMatch(/nowhere/);
    expect((await request('GET', '/api/tenants/notes/database')).body.tables.map((t: { name: string }) => t.name)).not.toContain('tags');
  });

  it("sends each Set-Cookie of an array as a header of its own, as Fission's Express does", async () => {
    await request('POST', '/api/tenants', { id: 'cookies' });
    const made = await tool('cookies', 'createBackendFunction', {
      name: 'login',
      code: "module.exports = async () => ({ status: 200, headers: { 'set-cookie': ['a=1; Path=/', 'b=2, with comma; HttpOnly'] }, body: 'ok' })",
    });
    expect(made.status).toBe(200);
    const res = await request('GET', '/api/login', undefined, 'draft.cookies.localhost:3000');
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2, with comma; HttpOnly']);
  });

  it('refuses hostile SQL', async () => {
    for (const sql of [
      "ATTACH DATABASE '/etc/passwd' AS x",
      'DETACH x',
      "VACUUM INTO '/tmp/copy.db'",
      'PRAGMA writable_schema = 1',
      "SELECT load_extension('/tmp/evil.so')",
      "CREATE VIEW v AS SELECT load_extension('x')",
      'BEGIN; CREATE TABLE t (x); COMMIT',
    ]) {
      await expectNoChange('notes', () => tool('notes', 'updateDatabaseSchema', { sql }), 'SQL_REFUSED');
    }
  });

  it('returns compile errors with file, line and column', async () => {
    const answer = await expectNoChange(
      'notes',
      () => tool('notes', 'createFrontendComponent', { name: 'Broken', code: 'export default function Broken() {\n  const x = ;\n  return <div/>;\n}' }),
      'COMPILE_ERROR',
    );
    expect(answer.body.error.details).toMatchObject({ file: 'frontend/Broken.tsx', line: 2 });
    expect(answer.body.error.message).toContain('frontend/Broken.tsx:2:');
    await expectNoChange(
      'notes',
      () => tool('notes', 'createBackendFunction', { name: 'bad-fn', code: 'module.exports = async function (ctx) {\n  return {\n' }),
      'COMPILE_ERROR',
    );
  });

  it('renders a component once on the server before accepting it', async () => {
    const list =
      'import { useState } from "react";\nexport default function List({ items }: { items: string[] }) {\n  const [open] = useState(true);\n  return <ul>{open && items.map((i) => <li key={i}>{i}</li>)}</ul>;\n}';
    const ok = await tool('notes', 'createFrontendComponent', { name: 'List', code: list, sampleProps: { items: ['a', 'b'] } });
    expect(ok.body.result.verification).toEqual({ rendered: true, props: 'sample' });
    // Without props it would throw (items is undefined): accepted, with a warning the model can read.
    const warned = await tool('notes', 'createFrontendComponent', { name: 'List2', code: list.replace('List(', 'List2(') });
    expect(warned.body.result.verification).toMatchObject({ rendered: false, props: 'none', warning: expect.stringContaining("reading 'map'") });
    const answer = await expectNoChange(
      'notes',
      () => tool('notes', 'createFrontendComponent', { name: 'List3', code: list.replace('List(', 'List3('), sampleProps: { items: 'not an array' } }),
      'RENDER_FAILED',
    );
    expect(answer.body.error.message).toContain('items.map is not a function');
    const spin = await expectNoChange(
      'notes',
      () => tool('notes', 'createFrontendComponent', { name: 'Spin', code: 'export default function Spin() { while (true) {} }', sampleProps: {} }),
      'RENDER_FAILED',
    );
    expect(spin.body.error.message).toContain('exceeded its 2 s limit');
    // The sandbox was restarted: the app's functions still answer.
    expect((await request('GET', '/api/notes', undefined, 'draft.notes.localhost:3000')).status).toBe(200);
  });

  it('refuses a function that throws while loading', async () => {
    const answer = await expectNoChange(
      'notes',
      () => tool('notes', 'createBackendFunction', { name: 'throws', code: 'throw new Error("boom at load");' }),
      'FUNCTION_INVALID',
    );
    expect(answer.body.error.message).toContain('boom at load');
  });

  it('refuses a blueprint that names missing components and functions', async () => {
    const blueprint = { version: 1, routes: [{ path: '/', root: { component: 'Ghost', data: { x: { function: 'phantom' } } } }] };
    const answer = await expectNoChange('notes', () => tool('notes', 'updateUILayout', { blueprint }), 'BLUEPRINT_REFERENCE');
    expect(answer.body.error.details).toEqual({ missingComponents: ['Ghost'], missingFunctions: ['phantom'] });
  });

  it('refuses malformed arguments, bad names and unknown tools', async () => {
    await expectNoChange(
      'notes',
      () => tool('notes', 'createBackendFunction', { name: '../../etc/passwd', code: 'module.exports = async () => ({status: 200})' }),
      'INVALID_ARGUMENTS',
    );
    await expectNoChange(
      'notes',
      () => tool('notes', 'createFrontendComponent', { name: 'lowercase', code: 'export default () => null' }),
      'INVALID_ARGUMENTS',
    );
    await expectNoChange('notes', () => tool('notes', 'createFrontendComponent', { name: 'Stack', code: 'export default () => null' }), 'INVALID_NAME');
    await expectNoChange('notes', () => tool('notes', 'updateDatabaseSchema', { query: 'x' }), 'INVALID_ARGUMENTS');
    await expectNoChange('notes', () => tool('notes', 'updateDatabaseSchema', '{not json'), 'INVALID_JSON');
    await expectNoChange('notes', () => tool('notes', 'dropEverything', {}), 'UNKNOWN_TOOL', 404);
    expect((await tool('ghost', 'updateDatabaseSchema', { sql: 'CREATE TABLE t (x)' })).status).toBe(404);
  });

  it('snapshots immutable releases, lists them in semver order and diffs them', async () => {
    const first = await request('POST', '/api/tenants/notes/releases', { version: '1.0.0', notes: 'first' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      tenant: 'notes',
      version: '1.0.0',
      notes: 'first',
      migration: 1,
      components: { NotesApp: { file: 'frontend/NotesApp.tsx' } },
      functions: { notes: { file: 'functions/notes.js' } },
    });
    expect(first.body.commit).toMatch(/^[0-9a-f]{40}$/);
    const shown = await app.request('/api/tenants/notes/releases/1.0.0', { headers: { host: 'localhost:3000', authorization: `Bearer ${test.token}` } });
    const text = await shown.text();
    expect(
      await (await app.request('/api/tenants/notes/releases/1.0.0', { headers: { host: 'localhost:3000', authorization: `Bearer ${test.token}` } })).text(),
    ).toBe(text);
    expect(JSON.parse(text)).toEqual(first.body);
    expect((await request('POST', '/api/tenants/notes/releases', { version: '1.0.0' })).status).toBe(409);
    for (const version of ['1.0', 'v1.0.0', 'latest', '', 7])
      expect((await request('POST', '/api/tenants/notes/releases', { version })).status, String(version)).toBe(400);
    expect((await request('GET', '/api/tenants/notes/releases/3.0.0')).status).toBe(404);

    const changed = example('NotesApp.tsx').replace('Write a note', 'Write something');
    expect((await tool('notes', 'createFrontendComponent', { name: 'NotesApp', code: changed })).status).toBe(200);
    expect((await request('POST', '/api/tenants/notes/releases', { version: '1.10.0' })).status).toBe(201);
    expect((await request('POST', '/api/tenants/notes/releases', { version: '1.2.0' })).status).toBe(201);
    expect((await request('GET', '/api/tenants/notes/releases')).body.releases.map((r: { version: string }) => r.version)).toEqual([
      '1.0.0',
      '1.2.0',
      '1.10.0',
    ]);
    const diff = (await request('GET', '/api/tenants/notes/releases/1.0.0/diff/1.10.0')).body;
    expect(diff.components).toEqual({ added: [], changed: ['NotesApp'], removed: [] });
    expect(diff.functions).toEqual({ added: [], changed: [], removed: [] });
    expect(diff.blueprintChanged).toBe(false);
    expect(diff.patch).toContain(
      '-        <input aria-label="New note" value={text} onChange={(e) => setText(e.target.value)} placeholder="Write a note" className="min-w-0 flex-1 bg-transparent px-3 text-foreground outline-none placeholder:text-muted-foreground" />',
    );
    // Another placeholder, the same classes: the same stylesheet, recorded in both snapshots.
    expect(first.body.stylesheet).toMatchObject({
      file: expect.stringMatching(/^styles\.[0-9a-f]{12}\.css$/),
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(diff.stylesheetChanged).toBe(false);
    expect(diff.patch).toContain('placeholder="Write something"');
    // The snapshot of 1.0.0 did not move.
    expect(
      await (await app.request('/api/tenants/notes/releases/1.0.0', { headers: { host: 'localhost:3000', authorization: `Bearer ${test.token}` } })).text(),
    ).toBe(text);
  });

  it('serves the deployed release live, the newest commit on the draft origin, and rolls back', async () => {
    await request('POST', '/api/tenants', { id: 'shop' });
    const live = 'shop.localhost:3000';
    const draft = 'draft.shop.localhost:3000';
    const before = await request('GET', '/', undefined, live);
    expect(before.status).toBe(404);
    expect(before.body).toContain('Nothing is live yet');
    expect((await request('GET', '/api/hello', undefined, live)).body.error.message).toContain('Nothing of "shop" is live yet');
    expect((await request('GET', '/api/tenants/shop/deployments')).body).toEqual({ live: null, deployments: [] });

    const hello = (word: string) => ({ name: 'hello', code: `module.exports = async () => ({ status: 200, body: '${word}' })` });
    await tool('shop', 'createBackendFunction', hello('one'));
    expect((await request('POST', '/api/tenants/shop/releases', { version: '1.0.0' })).status).toBe(201);
    await tool('shop', 'createBackendFunction', hello('two'));
    expect((await request('POST', '/api/tenants/shop/releases', { version: '1.1.0' })).status).toBe(201);
    await tool('shop', 'createBackendFunction', hello('three'));
    expect((await request('POST', '/api/tenants/shop/releases/9.9.9/deploy', {})).status).toBe(404);

    const first = await request('POST', '/api/tenants/shop/releases/1.0.0/deploy', {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: '1.0.0', previous: null, warnings: [] });
    expect((await request('GET', '/api/hello', undefined, live)).body).toBe('one');
    expect((await request('GET', '/api/hello', undefined, draft)).body).toBe('three');
    expect((await request('POST', '/api/tenants/shop/releases/1.1.0/deploy', {})).body).toMatchObject({ version: '1.1.0', previous: '1.0.0' });
    expect((await request('GET', '/api/hello', undefined, live)).body).toBe('two');
    // Rolling back is deploying the older release.
    expect((await request('POST', '/api/tenants/shop/releases/1.0.0/deploy', {})).body).toMatchObject({ version: '1.0.0', previous: '1.1.0' });
    expect((await request('GET', '/api/hello', undefined, live)).body).toBe('one');
    const history = (await request('GET', '/api/tenants/shop/deployments')).body;
    expect(history.live).toBe('1.0.0');
    expect(history.deployments.map((d: { version: string; previousVersion: string | null }) => [d.version, d.previousVersion])).toEqual([
      ['1.0.0', null],
      ['1.1.0', '1.0.0'],
      ['1.0.0', '1.1.0'],
    ]);
  });

  it('warns when rolling code back onto a database that has moved on, and never drops data', async () => {
    await tool('shop', 'updateDatabaseSchema', { sql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY)' });
    expect((await request('POST', '/api/tenants/shop/releases', { version: '2.0.0' })).status).toBe(201);
    expect((await request('POST', '/api/tenants/shop/releases/2.0.0/deploy', {})).body.warnings).toEqual([]);
    const back = await request('POST', '/api/tenants/shop/releases/1.0.0/deploy', {});
    expect(back.status).toBe(200);
    expect(back.body.warnings[0]).toContain('database is at migration 1');
    expect((await request('GET', '/api/tenants/shop/database')).body.tables.map((t: { name: string }) => t.name)).toContain('orders');
  });

  it('deploys concurrently without breaking the history chain', async () => {
    const results = await Promise.all(['1.0.0', '1.1.0', '2.0.0', '1.1.0', '1.0.0'].map((v) => request('POST', `/api/tenants/shop/releases/${v}/deploy`, {})));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const { deployments, live } = (await request('GET', '/api/tenants/shop/deployments')).body as {
      live: string;
      deployments: Array<{ version: string; previousVersion: string | null }>;
    };
    for (let i = 1; i < deployments.length; i++) expect(deployments[i]!.previousVersion).toBe(deployments[i - 1]!.version);
    expect(live).toBe(deployments.at(-1)!.version);
  });

  it('maps function responses the way Fission does', async () => {
    const code = `module.exports = async (ctx) => {
      const q = ctx.request.query;
      if (q.kind === 'text') return { status: 200, body: 'hello ' + q.name };
      if (q.kind === 'throw') throw new Error('nope');
      if (q.kind === 'empty') return { status: 204 };
      return { status: 202, headers: { 'x-made-by': 'fn' }, body: { method: ctx.request.method, body: ctx.request.body } };
    };`;
    expect((await tool('notes', 'createBackendFunction', { name: 'echo', code })).body.ok).toBe(true);
    const host = 'draft.notes.localhost:3000';
    const text = await request('GET', '/api/echo?kind=text&name=x', undefined, host);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toContain('text/html');
    expect(text.body).toBe('hello x');
    const json = await request('PUT', '/api/echo', { a: 1 }, host);
    expect(json.status).toBe(202);
    expect(json.headers.get('x-made-by')).toBe('fn');
    expect(json.body).toEqual({ method: 'PUT', body: { a: 1 } });
    expect((await request('GET', '/api/echo?kind=throw', undefined, host)).status).toBe(500);
    expect((await request('GET', '/api/echo?kind=empty', undefined, host)).status).toBe(204);
  });

  it('keeps functions away from the platform: files, environment, schema changes', async () => {
    const code = `const db = require('@tessera/db');
    module.exports = async (ctx) => {
      const out = { env: Object.keys(process.env) };
      try { require('fs').readFileSync('/etc/passwd'); out.fs = 'read'; } catch (e) { out.fs = 'refused'; }
      try { await db.execute("ATTACH DATABASE '/tmp/x.db' AS x"); out.attach = 'ok'; } catch (e) { out.attach = 'refused'; }
      return { status: 200, body: out };
    };`;
    expect((await tool('notes', 'createBackendFunction', { name: 'probe', code })).body.ok).toBe(true);
    const answer = await request('GET', '/api/probe', undefined, 'draft.notes.localhost:3000');
    expect(answer.body.fs).toBe('refused');
    expect(answer.body.attach).toBe('refused');
    expect(answer.body.env).not.toContain('DATA_DIR');
    expect(answer.body.env).not.toContain('PATH_TO_PLATFORM');
  });
});
