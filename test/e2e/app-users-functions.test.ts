import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type SimpleResponse } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * Functions and the app's users (docs/app-users.md): a function's declared `access` is checked by the
 * platform before it runs, on the draft and the live origin, and `@tessera/auth` tells a function who
 * is signed in; nothing a client sends can stand in for a session.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;

/** Answers with who `@tessera/auth` says is signed in, and the headers the function got. */
const WHO = `const auth = require('@tessera/auth');
module.exports = async (context) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: await auth.user(context), headers: context.request.headers }) });`;

beforeAll(async () => {
  server = await startTestServer();
  for (const id of ['diary', 'other']) expect((await admin('/api/tenants', { body: { id } })).status).toBe(201);
  for (const [name, access] of [
    ['mine', 'user'],
    ['staff', 'admin'],
    ['open', undefined],
  ] as const) {
    const made = await admin('/api/tenants/diary/tools/createBackendFunction', { body: { name, code: WHO, ...(access ? { access } : {}) } });
    expect(made.json(), made.text).toMatchObject({ ok: true, result: { access: access ?? 'public' } });
  }
}, 120_000);
afterAll(() => server?.close());

const port = (): number => server.server.port;

function onApp(app: string, path: string, options: { body?: unknown; cookie?: string; headers?: Record<string, string>; live?: boolean } = {}) {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return request(`http://127.0.0.1:${port()}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    host: `${options.live ? '' : 'draft.'}${app}.localhost:${port()}`,
    headers: { ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers },
    ...(body === undefined ? {} : { body }),
  });
}

function admin(path: string, options: { method?: string; body?: unknown } = {}): Promise<SimpleResponse> {
  return request(`${server.url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

async function signUp(app: string, email: string): Promise<{ cookie: string; id: string }> {
  const res = await onApp(app, '/_tessera/auth/signup', { body: { email, password: 'a-good-password', name: email.split('@')[0] } });
  expect(res.status, res.text).toBe(201);
  const line = [res.headers['set-cookie'] ?? []].flat().find((l) => l.startsWith('tessera_app_session='))!;
  return { cookie: line.split(';')[0]!, id: res.json().user.id };
}

const codeOf = (res: SimpleResponse): [number, string | undefined] => [res.status, res.json().error?.code];

let cat: { cookie: string; id: string };

describe('function access', () => {
  it('answers 401 SIGN_IN_REQUIRED to an anonymous caller of a "user" function, and runs it for a signed-in one', async () => {
    expect(codeOf(await onApp('diary', '/api/mine'))).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect(codeOf(await onApp('diary', '/api/mine/sub/path?x=1'))).toEqual([401, 'SIGN_IN_REQUIRED']);
    cat = await signUp('diary', 'cat@example.com');
    const mine = await onApp('diary', '/api/mine', { cookie: cat.cookie });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.json().user).toEqual({ id: cat.id, email: 'cat@example.com', name: 'cat', role: 'user' });
    // The function never sees the session it was let in with.
    expect(JSON.stringify(mine.json().headers)).not.toContain(cat.cookie.split('=')[1]);
    // A public function runs for anyone, and still knows who is signed in.
    expect((await onApp('diary', '/api/open')).json().user).toBeNull();
    expect((await onApp('diary', '/api/open', { cookie: cat.cookie })).json().user.id).toBe(cat.id);
  });

  it('answers 403 FORBIDDEN to a user calling an "admin" function, and runs it once the owner promotes them', async () => {
    expect(codeOf(await onApp('diary', '/api/staff'))).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect(codeOf(await onApp('diary', '/api/staff', { cookie: cat.cookie }))).toEqual([403, 'FORBIDDEN']);
    const promoted = await admin(`/api/tenants/diary/app-users/${cat.id}`, { method: 'PATCH', body: { role: 'admin' } });
    expect(promoted.status, promoted.text).toBe(200);
    const staff = await onApp('diary', '/api/staff', { cookie: cat.cookie });
    expect(staff.status, staff.text).toBe(200);
    expect(staff.json().user).toMatchObject({ id: cat.id, role: 'admin' });
    await admin(`/api/tenants/diary/app-users/${cat.id}`, { method: 'PATCH', body: { role: 'user' } });
    expect(codeOf(await onApp('diary', '/api/staff', { cookie: cat.cookie }))).toEqual([403, 'FORBIDDEN']);
  });

  it('refuses a disabled user (401), forged sessions and headers, and a session of another app', async () => {
    const dot = await signUp('diary', 'dot@example.com');
    expect((await onApp('diary', '/api/mine', { cookie: dot.cookie })).status).toBe(200);
    expect((await admin(`/api/tenants/diary/app-users/${dot.id}`, { method: 'PATCH', body: { disabled: true } })).status).toBe(200);
    expect(codeOf(await onApp('diary', '/api/mine', { cookie: dot.cookie }))).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect((await onApp('diary', '/api/open', { cookie: dot.cookie })).json().user).toBeNull();

    const forgedUser = JSON.stringify({ id: cat.id, email: 'cat@example.com', name: 'cat', role: 'admin' });
    const forged = { 'x-tessera-user': forgedUser, 'x-tessera-app-user': forgedUser, 'x-user': forgedUser };
    expect(codeOf(await onApp('diary', '/api/mine', { headers: forged }))).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect(codeOf(await onApp('diary', '/api/mine', { cookie: 'tessera_app_session=tas_forgedforgedforgedforgedforged' }))).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect(codeOf(await onApp('diary', '/api/mine', { cookie: `${cat.cookie}; tessera_app_session=tas_planted` }))).toEqual([401, 'SIGN_IN_REQUIRED']);
    // No builder credential acts as an app user either.
    expect(codeOf(await onApp('diary', '/api/mine', { headers: { authorization: `Bearer ${server.token}` } }))).toEqual([401, 'SIGN_IN_REQUIRED']);
    const open = await onApp('diary', '/api/open', { headers: forged });
    expect(open.json().user).toBeNull();
    expect(Object.keys(open.json().headers).filter((h) => h.startsWith('x-tessera-'))).toEqual([]);
    // Signed in for real, the forged header changes nothing either.
    expect((await onApp('diary', '/api/mine', { cookie: cat.cookie, headers: forged })).json().user.role).toBe('user');

    const stranger = await signUp('other', 'eve@example.com');
    expect(codeOf(await onApp('diary', '/api/mine', { cookie: stranger.cookie }))).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect((await onApp('diary', '/api/open', { cookie: stranger.cookie })).json().user).toBeNull();
  });

  it('keeps the access through a release and a deploy: the live origin enforces it', async () => {
    // Kept in the app's repository beside the source; a public function has no manifest.
    expect((await admin('/api/tenants/diary/files?path=functions%2Fmine.json')).json()).toEqual({
      path: 'functions/mine.json',
      content: '{\n  "access": "user"\n}\n',
    });
    expect((await admin('/api/tenants/diary/files?path=functions%2Fopen.json')).status).toBe(404);
    expect((await admin('/api/tenants/diary/releases', { body: { version: '1.0.0' } })).status).toBe(201);
    const release = await admin('/api/tenants/diary/releases/1.0.0');
    const snapshot = release.json();
    expect([snapshot.functions.mine.access, snapshot.functions.staff.access, snapshot.functions.open.access]).toEqual(['user', 'admin', undefined]);
    const deployed = await admin('/api/tenants/diary/releases/1.0.0/deploy', { body: {} });
    expect(deployed.status, deployed.text).toBe(200);
    expect(codeOf(await onApp('diary', '/api/mine', { live: true }))).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect(codeOf(await onApp('diary', '/api/staff', { live: true, cookie: cat.cookie }))).toEqual([403, 'FORBIDDEN']);
    const live = await onApp('diary', '/api/mine', { live: true, cookie: cat.cookie });
    expect([live.status, live.json().user?.id]).toEqual([200, cat.id]);

    // Replacing the code without `access` keeps it; opening it is an explicit "public" (the draft changes, the live release not).
    const kept = await admin('/api/tenants/diary/tools/createBackendFunction', { body: { name: 'mine', code: `${WHO}\n// v2` } });
    expect(kept.json().result.access).toBe('user');
    expect((await onApp('diary', '/api/mine')).status).toBe(401);
    const opened = await admin('/api/tenants/diary/tools/createBackendFunction', { body: { name: 'mine', code: WHO, access: 'public' } });
    expect(opened.json().result.access).toBe('public');
    expect((await onApp('diary', '/api/mine')).status).toBe(200);
    expect((await onApp('diary', '/api/mine', { live: true })).status).toBe(401);

    // Reverting the commit that opened it brings the manifest, and the check, back.
    expect(opened.json().result.commit).toBeTruthy();
    const reverted = await admin(`/api/tenants/diary/commits/${opened.json().result.commit}/revert`, { body: {} });
    expect(reverted.status, reverted.text).toBe(200);
    expect(codeOf(await onApp('diary', '/api/mine'))).toEqual([401, 'SIGN_IN_REQUIRED']);

    // Only the access changing (the same code) is a change between releases.
    expect((await admin('/api/tenants/diary/tools/createBackendFunction', { body: { name: 'staff', code: WHO, access: 'user' } })).json().ok).toBe(true);
    expect((await admin('/api/tenants/diary/releases', { body: { version: '1.1.0' } })).status).toBe(201);
    const diff = (await admin('/api/tenants/diary/releases/1.0.0/diff/1.1.0')).json();
    expect(diff.functions.changed, JSON.stringify(diff.functions)).toContain('staff');
    expect(diff.patch).toContain('functions/staff.json');
  });

  it('runs the sample and invokeFunction of a "user" function as a stand-in signed-in user, a public one as nobody', async () => {
    const code = `const auth = require('@tessera/auth'); module.exports = async (context) => { const me = await auth.user(context); return { status: 200, body: { id: me.id, role: me.role } }; };`;
    const made = await admin('/api/tenants/diary/tools/createBackendFunction', { body: { name: 'whoami', code, access: 'admin', sample: {} } });
    expect(made.json().result?.sample, made.text).toMatchObject({ status: 200, body: '{"id":"sample-user","role":"admin"}' });
    const invoked = await admin('/api/tenants/diary/tools/invokeFunction', { body: { name: 'mine' } });
    expect(JSON.parse(invoked.json().result.body).user).toMatchObject({ id: 'sample-user', role: 'user' });
    expect(JSON.parse((await admin('/api/tenants/diary/tools/invokeFunction', { body: { name: 'open' } })).json().result.body).user).toBeNull();
  });

  it('refuses an access the tool does not know with INVALID_ARGUMENTS, naming the field', async () => {
    for (const access of ['private', 'Admin', 1, null]) {
      const res = await admin('/api/tenants/diary/tools/createBackendFunction', { body: { name: 'nope', code: WHO, access } });
      expect([res.status, res.json().error?.code], res.text).toEqual([400, 'INVALID_ARGUMENTS']);
      expect(res.json().error.message).toContain('access');
    }
    expect((await onApp('diary', '/api/nope')).status).toBe(404);
  });
});
