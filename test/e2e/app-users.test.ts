import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { ANONYMOUS } from '../support/credentials.ts';
import { request, type SimpleResponse } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * The people who use a generated app (docs/app-users.md), through the real server on the apps' own
 * origins (`draft.<app>.localhost`, `<app>.localhost`): sign-up, sign-in, sessions per app, resets by
 * the outbox, the owners' routes, and everything a hand-crafted request might try.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer();
  for (const id of ['journal', 'board', 'locked', 'timing', 'resets']) {
    const made = await admin('/api/tenants', { body: { id } });
    expect(made.status, made.text).toBe(201);
  }
  const fixation = await admin('/api/tenants/journal/tools/createBackendFunction', {
    body: {
      name: 'fixate',
      code: "module.exports = async () => ({ status: 200, headers: { 'set-cookie': ['tessera_app_session=tas_chosen; Path=/', '__HOST-tessera_app_session=tas_chosen; Path=/; Secure', 'theme=dark; Path=/'] }, body: 'ok' });",
    },
  });
  expect(fixation.json().ok, fixation.text).toBe(true);
  const fn = await admin('/api/tenants/journal/tools/createBackendFunction', {
    body: {
      name: 'echo',
      code: "module.exports = async (context) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(context.request.headers) });",
    },
  });
  expect(fn.json().ok, fn.text).toBe(true);
}, 120_000);
afterAll(() => server?.close());

const port = (): number => server.server.port;
const hostOf = (app: string, live = false): string => `${live ? '' : 'draft.'}${app}.localhost:${port()}`;

/** A request to an app's origin; `body` is sent as JSON unless `raw`. */
function onApp(
  app: string,
  path: string,
  options: { method?: string; body?: unknown; raw?: string; cookie?: string; headers?: Record<string, string>; live?: boolean } = {},
): Promise<SimpleResponse> {
  const headers: Record<string, string> = { ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers };
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return request(`http://127.0.0.1:${port()}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    host: hostOf(app, options.live),
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/** The control API as TESSERA_TOKEN's administrator (or as `cookie`'s builder user). */
function admin(path: string, options: { method?: string; body?: unknown; cookie?: string } = {}): Promise<SimpleResponse> {
  return request(`${server.url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: options.cookie ? { ...ANONYMOUS, cookie: options.cookie } : {},
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

const setCookieOf = (res: SimpleResponse): string => [res.headers['set-cookie'] ?? []].flat().join('\n');
/** `name=value` of the answer's app session cookie. */
const sessionOf = (res: SimpleResponse): string => {
  const cookie = [res.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('tessera_app_session='));
  if (!cookie) throw new Error(`No app session cookie in ${res.status} ${res.text}`);
  return cookie.split(';')[0]!;
};

const signUp = (app: string, email: string, password: string, name?: string) =>
  onApp(app, '/_tessera/auth/signup', { body: { email, password, ...(name ? { name } : {}) } });
const signIn = (app: string, email: string, password: string, live = false) => onApp(app, '/_tessera/auth/signin', { body: { email, password }, live });
const me = (app: string, cookie?: string, live = false) => onApp(app, '/_tessera/auth/me', { ...(cookie ? { cookie } : {}), live });

let ann: string;
let annId: string;

describe('signing up, in and out', () => {
  it('signs up with a session cookie of the app own, host-only, HttpOnly, SameSite=Lax; me answers; sign-out revokes it', async () => {
    const res = await signUp('journal', 'Ann@Example.com', 'ann-password', 'Ann');
    expect(res.status, res.text).toBe(201);
    const { user } = res.json();
    expect(Object.keys(user).sort()).toEqual(['email', 'id', 'name', 'role']);
    expect(user).toMatchObject({ email: 'ann@example.com', name: 'Ann', role: 'user' });
    annId = user.id;
    const cookie = setCookieOf(res);
    expect(cookie).toMatch(/^tessera_app_session=tas_[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toMatch(/domain=|secure/i);
    ann = sessionOf(res);

    expect((await me('journal', ann)).json()).toEqual({ user });
    const none = await me('journal');
    expect(none.status).toBe(401);
    expect(none.json().error).toMatchObject({ code: 'SIGN_IN_REQUIRED', message: expect.any(String) });

    const out = await onApp('journal', '/_tessera/auth/signout', { body: {}, cookie: ann });
    expect(out.status).toBe(204);
    expect(setCookieOf(out)).toMatch(/^tessera_app_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await me('journal', ann)).status).toBe(401);

    // Signing in again (on the live origin: the same app's users) gives a new session, good on both origins.
    const again = await signIn('journal', 'ANN@example.com', 'ann-password', true);
    expect(again.status, again.text).toBe(200);
    expect(again.json()).toEqual({ user });
    ann = sessionOf(again);
    expect((await me('journal', ann, true)).json().user.id).toBe(annId);
    expect((await me('journal', ann)).json().user.id).toBe(annId);
    expect((await me('journal', `tessera_app_session=${'x'.repeat(10)}`)).status).toBe(401);
  });

  it('behind HTTPS, names the cookie __Host-tessera_app_session and marks it Secure; the plain name then does not count', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const res = await onApp('journal', '/_tessera/auth/signin', { body: { email: 'ann@example.com', password: 'ann-password' }, headers: https });
    expect(res.status, res.text).toBe(200);
    expect(setCookieOf(res)).toMatch(/^__Host-tessera_app_session=tas_[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const value = setCookieOf(res).split(';')[0]!.split('=')[1]!;
    expect((await onApp('journal', '/_tessera/auth/me', { cookie: `__Host-tessera_app_session=${value}`, headers: https })).status).toBe(200);
    expect((await onApp('journal', '/_tessera/auth/me', { cookie: `tessera_app_session=${value}`, headers: https })).status).toBe(401);
  });

  it('answers EMAIL_TAKEN (whatever the case), WEAK_PASSWORD under 8 characters, SIGNUP_CLOSED unless the owner opens it', async () => {
    const taken = await signUp('journal', 'ann@EXAMPLE.com', 'another-password');
    expect([taken.status, taken.json().error.code]).toEqual([409, 'EMAIL_TAKEN']);
    expect(taken.headers['set-cookie']).toBeUndefined();
    const weak = await signUp('journal', 'bob@example.com', '1234567');
    expect([weak.status, weak.json().error.code]).toEqual([400, 'WEAK_PASSWORD']);
    const bob = await signUp('journal', 'bob@example.com', '12345678');
    expect(bob.status).toBe(201);
    expect(bob.json().user.name).toBe('bob');

    for (const signup of ['closed', 'invite'] as const) {
      expect((await admin('/api/tenants/journal/app-auth', { method: 'PUT', body: { signup } })).json()).toEqual({ signup });
      const closed = await signUp('journal', `carol-${signup}@example.com`, 'carol-password');
      expect([closed.status, closed.json().error.code]).toEqual([403, 'SIGNUP_CLOSED']);
    }
    // Signing in still works when sign-up is closed.
    expect((await signIn('journal', 'bob@example.com', '12345678')).status).toBe(200);
    await admin('/api/tenants/journal/app-auth', { method: 'PUT', body: { signup: 'open' } });
    expect((await signUp('journal', 'carol@example.com', 'carol-password')).status).toBe(201);
  });

  it('gives a wrong password and an unknown email the same answer in about the same time', async () => {
    await signUp('timing', 'tim@example.com', 'tim-password');
    const timed = async (email: string) => {
      const started = performance.now();
      const res = await signIn('timing', email, 'not-the-password');
      return { res, ms: performance.now() - started };
    };
    const wrong = [];
    const unknown = [];
    for (let i = 0; i < 3; i++) {
      wrong.push(await timed('tim@example.com'));
      unknown.push(await timed(`nobody-${i}@example.com`));
    }
    for (const { res } of [...wrong, ...unknown]) {
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({ ok: false, error: { code: 'INVALID_CREDENTIALS', message: 'Wrong email or password.' } });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const median = (runs: Array<{ ms: number }>) => runs.map((r) => r.ms).sort((a, b) => a - b)[1]!;
    // Both verify a scrypt hash (the unknown email a dummy one): within a factor of 3 of each other, even on a loaded machine.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(1 / 3);
    expect(median(unknown) / median(wrong)).toBeLessThan(3);
  });

  it('throttles the 11th failed sign-in from an address within a minute, even with the right password', async () => {
    expect((await signUp('locked', 'lee@example.com', 'lee-password')).status).toBe(201);
    for (let i = 0; i < 10; i++) expect((await signIn('locked', 'lee@example.com', `guess-${i}`)).status).toBe(401);
    const eleventh = await signIn('locked', 'lee@example.com', 'lee-password');
    expect([eleventh.status, eleventh.json().error.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
    expect(eleventh.headers['set-cookie']).toBeUndefined();
    // Per app: the same address still signs in to another app.
    expect((await signIn('journal', 'ann@example.com', 'ann-password')).status).toBe(200);
  });
});

describe('whose session counts', () => {
  it('refuses a session of one app on another, forged and doubled cookies, and every builder credential', async () => {
    expect((await me('journal', ann)).status).toBe(200);
    const elsewhere = await me('board', ann);
    expect([elsewhere.status, elsewhere.json().error.code]).toEqual([401, 'SIGN_IN_REQUIRED']);
    expect((await me('journal', 'tessera_app_session=tas_forgedforgedforgedforgedforgedforgedforged')).status).toBe(401);
    // A second cookie of the name (one planted beside the real one): no session rather than a guess.
    expect((await me('journal', `${ann}; tessera_app_session=tas_planted`)).status).toBe(401);

    const builder = await request(`${server.url}/api/auth/token`, { method: 'POST', headers: ANONYMOUS, body: JSON.stringify({ token: server.token }) });
    expect(builder.status).toBe(200);
    const builderCookie = String([builder.headers['set-cookie']].flat()[0]).split(';')[0]!;
    expect(builderCookie).toMatch(/^tessera_session=/);
    expect((await me('journal', builderCookie)).status).toBe(401);
    expect((await me('journal', `tessera_app_session=${builderCookie.split('=')[1]}`)).status).toBe(401);
    expect((await onApp('journal', '/_tessera/auth/me', { headers: { authorization: `Bearer ${server.token}` } })).status).toBe(401);
    // Nor does the builder take an app session for one of its own.
    expect((await admin('/api/me', { cookie: ann })).status).toBe(401);
    expect((await admin('/api/me', { cookie: `tessera_session=${ann.split('=')[1]}` })).status).toBe(401);
  });

  it('never hands the app session cookie to the app functions; other cookies pass', async () => {
    const both = await onApp('journal', '/api/echo', { cookie: `${ann}; theme=dark; __Host-tessera_app_session=x` });
    expect(both.status, both.text).toBe(200);
    expect(both.json().cookie).toBe('theme=dark');
    const only = await onApp('journal', '/api/echo', { cookie: ann });
    expect(only.json().cookie).toBeUndefined();
    expect(JSON.stringify(only.json())).not.toContain(ann.split('=')[1]);
  });

  it('drops a Set-Cookie of the app session from a function answer (no session fixation); other cookies pass', async () => {
    const res = await onApp('journal', '/api/fixate');
    expect(res.status, res.text).toBe(200);
    expect([res.headers['set-cookie'] ?? []].flat()).toEqual(['theme=dark; Path=/']);
  });
});

describe('what the app sign-in routes take', () => {
  it('refuses cross-site writes (403) and non-JSON writes (415), with the error shape', async () => {
    const body = { email: 'ann@example.com', password: 'ann-password' };
    const sibling = await onApp('journal', '/_tessera/auth/signin', { body, headers: { origin: `http://evil.localhost:${port()}` } });
    expect([sibling.status, sibling.json().error.code]).toEqual([403, 'CROSS_SITE_REFUSED']);
    const otherOrigin = await onApp('journal', '/_tessera/auth/signin', { body, headers: { origin: `http://journal.localhost:${port()}` } });
    expect(otherOrigin.status).toBe(403);
    for (const site of ['cross-site', 'same-site']) {
      expect((await onApp('journal', '/_tessera/auth/signup', { body, headers: { 'sec-fetch-site': site } })).status).toBe(403);
    }
    const own = await onApp('journal', '/_tessera/auth/signin', { body, headers: { origin: `http://${hostOf('journal')}`, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);

    const form = await onApp('journal', '/_tessera/auth/signin', {
      raw: 'email=ann@example.com&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.any(String) } });
    const plain = await request(`http://127.0.0.1:${port()}/_tessera/auth/signout`, { method: 'POST', host: hostOf('journal') });
    expect(plain.status).toBe(415);
  });

  it('answers 400 naming the field for null, arrays, wrong types and missing fields; INVALID_JSON for broken JSON', async () => {
    for (const [path, body, field] of [
      ['/_tessera/auth/signup', null, '(body)'],
      ['/_tessera/auth/signup', [], '(body)'],
      ['/_tessera/auth/signup', { email: 5, password: 'long-enough' }, 'email'],
      ['/_tessera/auth/signup', { email: 'not-an-email', password: 'long-enough' }, 'email'],
      ['/_tessera/auth/signin', { email: 'ann@example.com', password: 12345678 }, 'password'],
      ['/_tessera/auth/signin', { email: 'ann@example.com' }, 'password'],
      ['/_tessera/auth/reset', { email: ['ann@example.com'] }, 'email'],
      ['/_tessera/auth/reset/confirm', { token: 7, password: 'long-enough' }, 'token'],
    ] as const) {
      const res = await onApp('journal', path, { body });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json().error.code).toBe('INVALID_ARGUMENTS');
      expect(res.json().error.message).toContain(`${field}:`);
    }
    const huge = await onApp('journal', '/_tessera/auth/signup', { body: { email: 'ann@example.com', password: 'x'.repeat(20_000) } });
    expect([huge.status, huge.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const broken = await onApp('journal', '/_tessera/auth/signin', { raw: '{"email":' });
    expect([broken.status, broken.json().error.code]).toEqual([400, 'INVALID_JSON']);
  });
});

describe('resetting a password by the outbox', () => {
  it('mails a one-time link for an existing account only, always 202; the link sets the password, signs out elsewhere and in here', async () => {
    const ray = await signUp('resets', 'ray@example.com', 'ray-old-password');
    const other = sessionOf(await signIn('resets', 'ray@example.com', 'ray-old-password'));
    const first = sessionOf(ray);

    const unknown = await onApp('resets', '/_tessera/auth/reset', { body: { email: 'nobody@example.com' } });
    const known = await onApp('resets', '/_tessera/auth/reset', { body: { email: 'RAY@example.com' } });
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(unknown.text).toBe(known.text);

    const outbox = await admin('/api/tenants/resets/outbox');
    expect(outbox.status).toBe(200);
    const { mail } = outbox.json();
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ to: 'ray@example.com', subject: 'Reset your password' });
    const link = new RegExp(`http://draft\\.resets\\.localhost:${port()}/_tessera/auth/reset\\?token=(tar_[\\w-]+)`).exec(mail[0].text);
    expect(link, mail[0].text).not.toBeNull();
    const token = decodeURIComponent(link![1]!);
    expect((await admin('/api/tenants/journal/outbox')).json().mail).toEqual([]);

    const page = await onApp('resets', `/_tessera/auth/reset?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text).toContain('/_tessera/auth/reset/confirm');
    expect(page.text).not.toContain(token);

    const weak = await onApp('resets', '/_tessera/auth/reset/confirm', { body: { token, password: 'short' } });
    expect(weak.json().error.code).toBe('WEAK_PASSWORD');
    // The token is this app's: another app does not know it.
    const elsewhere = await onApp('journal', '/_tessera/auth/reset/confirm', { body: { token, password: 'ray-new-password' } });
    expect([elsewhere.status, elsewhere.json().error.code]).toEqual([400, 'INVALID_RESET_TOKEN']);

    const confirmed = await onApp('resets', '/_tessera/auth/reset/confirm', { body: { token, password: 'ray-new-password' } });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.json()).toEqual({ user: ray.json().user });
    expect((await me('resets', sessionOf(confirmed))).status).toBe(200);
    expect((await me('resets', first)).status).toBe(401);
    expect((await me('resets', other)).status).toBe(401);

    const twice = await onApp('resets', '/_tessera/auth/reset/confirm', { body: { token, password: 'ray-third-password' } });
    expect([twice.status, twice.json().error.code]).toEqual([400, 'INVALID_RESET_TOKEN']);
    expect((await signIn('resets', 'ray@example.com', 'ray-old-password')).status).toBe(401);
    expect((await signIn('resets', 'ray@example.com', 'ray-new-password')).status).toBe(200);
  });
});

describe('the reset page in a browser', () => {
  it('takes the new password from the mailed link, signs in and leaves no token in the address bar', async () => {
    await signUp('resets', 'rita@example.com', 'rita-old-password');
    expect((await onApp('resets', '/_tessera/auth/reset', { body: { email: 'rita@example.com' } })).status).toBe(202);
    const mail = (await admin('/api/tenants/resets/outbox')).json().mail.find((m: { to: string }) => m.to === 'rita@example.com');
    const link = /http:\/\/\S+/.exec(mail.text)![0];
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      // The mail is from the draft, whose testers hold its preview grant: a link to it first.
      await page.goto(await server.previewLink('resets'));
      await page.goto(link);
      expect(page.url()).not.toContain('token=');
      await page.getByLabel(/New password/).fill('rita-new-password');
      await page.getByRole('button', { name: 'Save and sign in' }).click();
      await page.waitForURL(`http://${hostOf('resets')}/`);
      const who = await page.evaluate(async () => (await (await fetch('/_tessera/auth/me')).json()) as { user: { email: string } });
      expect(who.user.email).toBe('rita@example.com');
      // HttpOnly: the page's own scripts cannot read the session.
      expect(await page.evaluate(() => document.cookie)).not.toContain('tessera_app_session');
    } finally {
      await browser.close();
    }
    expect((await signIn('resets', 'rita@example.com', 'rita-new-password')).status).toBe(200);
  });
});

describe("the app's owner", () => {
  let cookies: Record<'owner' | 'editor' | 'viewer', string>;

  beforeAll(async () => {
    cookies = {} as typeof cookies;
    for (const [id, role] of [
      ['olga', 'owner'],
      ['eddie', 'editor'],
      ['vic', 'viewer'],
    ] as const) {
      expect((await admin('/api/users', { body: { id, password: `${id}-long-password` } })).status).toBe(201);
      expect((await admin(`/api/tenants/journal/members/${id}`, { method: 'PUT', body: { role, direct: true } })).status).toBe(200);
      const signedIn = await request(`${server.url}/api/auth/password`, {
        method: 'POST',
        headers: ANONYMOUS,
        body: JSON.stringify({ login: id, password: `${id}-long-password` }),
      });
      cookies[role] = String([signedIn.headers['set-cookie']].flat()[0]).split(';')[0]!;
    }
  });

  it('lists and searches the app users with who signed in when; editors and viewers may not', async () => {
    const all = await admin('/api/tenants/journal/app-users', { cookie: cookies.owner });
    expect(all.status, all.text).toBe(200);
    expect(all.json().signup).toBe('open');
    expect(all.json().users.map((u: { email: string }) => u.email)).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
    const first = all.json().users[0];
    expect(first).toMatchObject({ id: annId, name: 'Ann', role: 'user', disabled: false });
    expect(Date.parse(first.lastSignInAt)).toBeGreaterThan(Date.parse(first.createdAt) - 1);
    expect(JSON.stringify(all.json())).not.toMatch(/scrypt|password/i);
    const found = await admin('/api/tenants/journal/app-users?q=BOB', { cookie: cookies.owner });
    expect(found.json().users.map((u: { email: string }) => u.email)).toEqual(['bob@example.com']);

    for (const role of ['editor', 'viewer'] as const) {
      const cookie = cookies[role];
      expect((await admin('/api/tenants/journal/app-users', { cookie })).status).toBe(403);
      expect((await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'PATCH', body: { role: 'admin' }, cookie })).status).toBe(403);
      expect((await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'DELETE', cookie })).status).toBe(403);
      expect((await admin('/api/tenants/journal/app-auth', { method: 'PUT', body: { signup: 'closed' }, cookie })).status).toBe(403);
      expect((await admin('/api/tenants/journal/outbox', { cookie })).status).toBe(403);
    }
  });

  it('promotes, disables (signing the user out) and deletes app users; checks the bodies', async () => {
    const promote = await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'PATCH', body: { role: 'admin' }, cookie: cookies.owner });
    expect(promote.status, promote.text).toBe(200);
    expect(promote.json().user.role).toBe('admin');
    expect((await me('journal', ann)).json().user.role).toBe('admin');

    for (const [body, field] of [
      [{}, '(body)'],
      [{ role: 'god' }, 'role'],
      [{ disabled: 'yes' }, 'disabled'],
      [null, '(body)'],
    ] as const) {
      const res = await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'PATCH', body, cookie: cookies.owner });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error.message).toContain(`${field}:`);
    }
    const bad = await admin('/api/tenants/journal/app-auth', { method: 'PUT', body: { signup: 'sometimes' }, cookie: cookies.owner });
    expect([bad.status, bad.json().error.code]).toEqual([400, 'INVALID_ARGUMENTS']);
    const nobody = await admin('/api/tenants/journal/app-users/no-such-user', { method: 'PATCH', body: { role: 'admin' }, cookie: cookies.owner });
    expect([nobody.status, nobody.json().error.code]).toEqual([404, 'USER_NOT_FOUND']);
    // Another app's user is not this app's.
    const boardUser = (await signUp('board', 'bea@example.com', 'bea-password')).json().user.id;
    expect((await admin(`/api/tenants/journal/app-users/${boardUser}`, { method: 'DELETE', cookie: cookies.owner })).status).toBe(404);

    const disabled = await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'PATCH', body: { disabled: true }, cookie: cookies.owner });
    expect(disabled.json().user.disabled).toBe(true);
    expect((await me('journal', ann)).status).toBe(401);
    expect((await signIn('journal', 'ann@example.com', 'ann-password')).json().error.code).toBe('INVALID_CREDENTIALS');
    await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'PATCH', body: { disabled: false }, cookie: cookies.owner });
    // Re-enabling does not bring revoked sessions back.
    expect((await me('journal', ann)).status).toBe(401);
    ann = sessionOf(await signIn('journal', 'ann@example.com', 'ann-password'));

    expect((await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'DELETE', cookie: cookies.owner })).status).toBe(200);
    expect((await me('journal', ann)).status).toBe(401);
    expect((await admin(`/api/tenants/journal/app-users/${annId}`, { method: 'DELETE', cookie: cookies.owner })).status).toBe(404);
    // The email is free again.
    expect((await signUp('journal', 'ann@example.com', 'ann-new-password')).status).toBe(201);

    const audit = (await admin('/api/tenants/journal/audit')).json().entries.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(audit).toEqual(expect.arrayContaining(['app-user.update:ok', 'app-user.delete:ok', 'app-auth.set:ok', 'app-user.update:refused']));
  });
});
