import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../support/credentials.ts';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * The control plane needs a credential; live apps, health and the data endpoint do not use it (an
 * app's draft origin takes a member's token as its preview grant). Sign-in
 * links work once, sessions are HttpOnly SameSite=Strict cookies, revoked tokens stop at once, and
 * guessing is throttled.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer();
  const made = await fetch(`${server.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"open"}' });
  expect(made.status).toBe(201);
  await fetch(`${server.url}/api/tenants/open/tools/createBackendFunction`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'hi', code: "module.exports = async () => ({ status: 200, body: 'hi' })" }),
  });
});
afterAll(() => server?.close());

const anonymous = (route: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
  request(`${server.url}${route}`, { ...init, headers: { ...ANONYMOUS, ...init.headers } });
/** What a browser sends when the person typed or pasted the address (or opened it from a terminal). */
const TYPED = { 'sec-fetch-site': 'none' };
const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;

describe('credentials', () => {
  it('refuses every control-plane route without one, saying how to sign in, and changes nothing', async () => {
    for (const [method, route] of [
      ['GET', '/api/tenants'],
      ['GET', '/api/tools'],
      ['GET', '/api/tenants/open'],
      ['GET', '/api/me'],
      ['POST', '/api/tenants'],
      ['POST', '/api/tenants/open/tools/updateUILayout'],
      ['DELETE', '/api/tenants/open'],
      ['POST', '/api/tenants/open/releases'],
    ]) {
      const res = await anonymous(route!, { method: method!, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{"id":"sneaky"}' }) });
      expect(res.status, `${method} ${route}`).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(res.json().error.message).toMatch(/Sign in first/);
    }
    expect((await anonymous('/api/tenants', { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    const tenants = (await (await fetch(`${server.url}/api/tenants`)).json()).tenants.map((t: { id: string }) => t.id);
    expect(tenants).toEqual(['open']);
  });

  it('keeps health, the builder page and the live apps public; the draft is for members', async () => {
    expect((await anonymous('/healthz')).status).toBe(200);
    expect((await anonymous('/')).status).toBe(200);
    expect(
      (await anonymous('/api/tenants/open/releases', { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: '{"version":"1.0.0"}' }))
        .status,
    ).toBe(201);
    expect(
      (await anonymous('/api/tenants/open/releases/1.0.0/deploy', { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: '{}' })).status,
    ).toBe(200);
    expect((await request(`${server.liveUrl('open')}api/hi`, { headers: ANONYMOUS })).text).toBe('hi');
    // The draft origin answers a member's token only (test/e2e/preview-grants.test.ts has the rest).
    expect((await request(`${server.appUrl('open')}api/hi`, { headers: ANONYMOUS })).status).toBe(401);
    expect((await request(`${server.appUrl('open')}api/hi`, { headers: { authorization: `Bearer ${server.token}` } })).text).toBe('hi');
  });

  it('signs a browser in from /?token=, with an HttpOnly SameSite=Strict cookie, and out again', async () => {
    const res = await anonymous(`/?token=${server.token}`, { headers: TYPED });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^tessera_session=tss_[\w-]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/);
    const cookie = cookieOf(res.headers['set-cookie']);
    const me = await anonymous('/api/me', { headers: { cookie } });
    expect(me.json()).toMatchObject({ id: 'admin', admin: true, via: 'session' });
    // The session cookie's name twice (the builder's and one planted beside it, sent first): no session.
    expect((await anonymous('/api/me', { headers: { cookie: `tessera_session=tss_planted; ${cookie}` } })).status).toBe(401);
    // Behind HTTPS: Secure, and __Host- prefixed so a sibling subdomain cannot plant a session of its own.
    const secure = await anonymous(`/?token=${server.token}`, { headers: { ...TYPED, 'x-forwarded-proto': 'https' } });
    expect(String(secure.headers['set-cookie'])).toMatch(/^__Host-tessera_session=tss_[\w-]+;.*Secure/);
    const secureCookie = cookieOf(secure.headers['set-cookie']);
    expect((await anonymous('/api/me', { headers: { cookie: secureCookie, 'x-forwarded-proto': 'https' } })).status).toBe(200);
    // Over HTTPS the unprefixed name (which a subdomain could set) is not a session.
    expect((await anonymous('/api/me', { headers: { cookie: secureCookie.replace('__Host-', ''), 'x-forwarded-proto': 'https' } })).status).toBe(401);
    expect((await anonymous('/api/auth/logout', { method: 'POST', body: '{}', headers: { cookie } })).status).toBe(200);
    expect((await anonymous('/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it('makes the first user with a one-time link that works once', async () => {
    const first = await server.platform.auth.bootstrap();
    expect(first?.user).toMatchObject({ id: 'owner', admin: true });
    expect(await server.platform.auth.bootstrap()).toBeNull();
    const used = await anonymous(`/?token=${first!.linkToken}`, { headers: TYPED });
    expect(used.status).toBe(302);
    expect((await anonymous('/api/me', { headers: { cookie: cookieOf(used.headers['set-cookie']) } })).json()).toMatchObject({ id: 'owner', via: 'session' });
    const again = await anonymous(`/?token=${first!.linkToken}`, { headers: TYPED });
    expect(again.status).toBe(401);
    expect(again.text).toMatch(/already used/);
  });

  it('stops a revoked API token at once', async () => {
    const cookie = cookieOf((await anonymous(`/?token=${server.token}`, { headers: TYPED })).headers['set-cookie']);
    const made = await anonymous('/api/tokens', { method: 'POST', body: '{"name":"script"}', headers: { cookie } });
    expect(made.status).toBe(201);
    const { id, token } = made.json();
    expect((await anonymous('/api/tenants', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const listed = await anonymous('/api/tokens', { headers: { cookie } });
    expect(listed.json().tokens).toEqual([expect.objectContaining({ id, name: 'script' })]);
    expect(listed.text).not.toContain(token);
    expect((await anonymous(`/api/tokens/${id}`, { method: 'DELETE', headers: { cookie } })).status).toBe(200);
    expect((await anonymous('/api/tenants', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});

/**
 * Login CSRF: a page elsewhere (a generated app's included) navigates the browser to `/?token=<its
 * author's link>`. Only the person's own navigation (typed, pasted, from the builder) signs in at
 * once; anything else gets a page naming the account, and its button is a same-origin POST.
 */
describe('sign-in links opened from elsewhere', () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  let mallory = '';
  beforeAll(async () => {
    const made = await fetch(`${server.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"mallory","name":"Mallory"}',
    });
    expect(made.status).toBe(201);
    mallory = new URL((await made.json()).signInUrl).searchParams.get('token')!;
  });

  it('asks before signing in from a cross-site, same-site or unlabelled navigation, and spends nothing', async () => {
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, {}] as Array<Record<string, string>>) {
      const res = await anonymous(`/?token=${mallory}`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.text).toMatch(/Sign in to Tessera\?/);
      expect(res.text).toContain('Mallory (mallory)');
      expect(res.text).toContain('<form method="post" action="/sign-in">');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    const form = `token=${encodeURIComponent(mallory)}`;
    // The button pressed from another site, or with nothing saying where it comes from: refused.
    for (const headers of [
      { 'sec-fetch-site': 'same-site', origin: 'http://evil.localhost:1' },
      { 'sec-fetch-site': 'cross-site' },
      {},
      { origin: 'http://evil.localhost:1' },
    ] as Array<Record<string, string>>) {
      const res = await anonymous('/sign-in', { method: 'POST', body: form, headers: { ...FORM, ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // From the builder's own page: signed in (and the link is spent).
    const res = await anonymous('/sign-in', { method: 'POST', body: form, headers: { ...FORM, 'sec-fetch-site': 'same-origin', origin: server.url } });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect((await anonymous('/api/me', { headers: { cookie: cookieOf(res.headers['set-cookie']) } })).json()).toMatchObject({ id: 'mallory', via: 'session' });
    expect((await anonymous(`/?token=${mallory}`, { headers: TYPED })).status).toBe(401);
  });

  it('never replaces a session for someone else without the click, even from a typed link', async () => {
    const admin = cookieOf((await anonymous(`/?token=${server.token}`, { headers: TYPED })).headers['set-cookie']);
    const link = await server.platform.auth.createSignInLink('mallory');
    const res = await anonymous(`/?token=${link}`, { headers: { ...TYPED, cookie: admin } });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toMatch(/You are signed in as <strong>admin \(TESSERA_TOKEN\) \(admin\)<\/strong>/);
    expect((await anonymous('/api/me', { headers: { cookie: admin } })).json().id).toBe('admin');
    // The link was not used: typed in a browser without a session, it signs in.
    const fresh = await anonymous(`/?token=${link}`, { headers: TYPED });
    expect(fresh.status).toBe(302);
  });

  it('refuses API tokens in a URL, typed or confirmed, and leaves them working as bearer tokens', async () => {
    const { token } = await server.platform.auth.createApiToken('mallory', 'laptop');
    const typed = await anonymous(`/?token=${token}`, { headers: TYPED });
    expect(typed.status).toBe(401);
    expect(typed.text).toMatch(/API tokens are not accepted in a URL/);
    expect(typed.headers['set-cookie']).toBeUndefined();
    const confirmed = await anonymous('/sign-in', { method: 'POST', body: `token=${token}`, headers: { ...FORM, 'sec-fetch-site': 'same-origin' } });
    expect(confirmed.status).toBe(401);
    expect(confirmed.headers['set-cookie']).toBeUndefined();
    expect((await anonymous('/api/me', { headers: { authorization: `Bearer ${token}` } })).json().id).toBe('mallory');
    // Pasted into the sign-in page (a POST body, not a URL) it still signs in.
    expect((await anonymous('/api/auth/token', { method: 'POST', body: JSON.stringify({ token }) })).status).toBe(200);
  });
});

// Last: it locks this file's only client address out of signing in for a minute.
describe('guessing', () => {
  it('throttles the 11th sign-in attempt within a minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await anonymous('/api/auth/token', { method: 'POST', body: JSON.stringify({ token: `guess-${i}` }) })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses[10]).toBe(429);
    const right = await anonymous('/api/auth/token', { method: 'POST', body: JSON.stringify({ token: server.token }) });
    expect(right.status).toBe(429);
    expect(right.json().error.code).toBe('TOO_MANY_ATTEMPTS');
  });
});
