import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsCanPlantCookies } from '../../src/server/cookies.ts';
import { ANONYMOUS } from '../support/credentials.ts';
import { request } from '../support/http.ts';
import { launchChromium } from '../support/browser.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * Cookie tossing with a real APP_DOMAIN over plain HTTP: a page on `<app>.tessera.test` sets a
 * `Domain=tessera.test` cookie, which the browser sends to the builder on `tessera.test` too. The
 * builder must never take it for its session. Chosen defence (docs/security.md): over plain HTTP on
 * such a host, browsers get no session at all unless ALLOW_INSECURE_HTTP is set; behind HTTPS only
 * the `__Host-` cookie counts, which no other host can set.
 */
const DOMAIN = 'tessera.test';
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ APP_DOMAIN: DOMAIN });
  // tessera.test and every app under it resolve to this machine, as a real domain's DNS would.
  browser = await launchChromium([`--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1, MAP *.${DOMAIN} 127.0.0.1`]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('which hosts apps can plant cookies on', () => {
  it('counts hosts sharing a parent domain with APP_DOMAIN, not IPs, localhost or other domains', () => {
    expect(appsCanPlantCookies('tessera.test', 'tessera.test')).toBe(true);
    expect(appsCanPlantCookies('builder.example.com', 'apps.example.com')).toBe(true);
    expect(appsCanPlantCookies('example.com', 'example.com')).toBe(true);
    expect(appsCanPlantCookies('localhost', 'localhost')).toBe(false);
    expect(appsCanPlantCookies('127.0.0.1', 'tessera.test')).toBe(false);
    expect(appsCanPlantCookies('::1', 'tessera.test')).toBe(false);
    expect(appsCanPlantCookies('builder.example.org', 'apps.example.com')).toBe(false);
    expect(appsCanPlantCookies('localhost', 'tessera.test')).toBe(false);
  });
});

describe('an app planting a Domain cookie for the builder over plain HTTP', () => {
  it('cannot make the builder use it, and the builder says why it signs no browser in', async () => {
    const port = server.server.port;
    const builderUrl = `http://${DOMAIN}:${port}`;
    await fetch(`${server.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"evil"}' });
    // The app's author has a real session of their own (signed in where sessions are allowed: localhost).
    const link = (
      await (await fetch(`${server.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"mallory"}' })).json()
    ).signInUrl as string;
    const signedIn = await request(`${server.url}/api/auth/token`, {
      method: 'POST',
      headers: ANONYMOUS,
      body: JSON.stringify({ token: new URL(link).searchParams.get('token') }),
    });
    expect(signedIn.status).toBe(200);
    const malloryCookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
    expect((await request(`${server.url}/api/me`, { headers: { ...ANONYMOUS, cookie: malloryCookie } })).json().id).toBe('mallory');

    const context = await browser.newContext();
    const app = await context.newPage();
    await app.goto(`http://evil.${DOMAIN}:${port}/`);
    // What the app's own script can do on its origin: plant the author's session for the whole domain.
    await app.evaluate((cookie) => {
      // biome-ignore lint/suspicious/noDocumentCookie: the attack under test is a plain cookie write from the app's script
      document.cookie = `${cookie}; domain=tessera.test; path=/`;
    }, malloryCookie);
    const planted = (await context.cookies(builderUrl)).find((c) => c.name === 'tessera_session');
    expect(planted?.domain).toBe(`.${DOMAIN}`); // the browser took it and sends it to the builder

    const builder = await context.newPage();
    await builder.goto(`${builderUrl}/`);
    await builder.getByRole('heading', { name: 'Sign in to Tessera' }).waitFor();
    expect(await builder.evaluate(async () => (await fetch('/api/me')).status)).toBe(401);
    // Signing in there is refused with the reason, before any link is spent.
    await builder.goto(`${builderUrl}/?token=${server.token}`);
    await builder.getByText(/signs browsers in over HTTPS only/).waitFor();
    expect((await context.cookies(builderUrl)).filter((c) => c.name === 'tessera_session').map((c) => c.value)).toEqual([planted!.value]);
    await context.close();

    // The same over HTTP with the names involved: refused; behind HTTPS only __Host- counts.
    const host = `${DOMAIN}:${port}`;
    expect((await request(`${server.url}/api/me`, { host, headers: { ...ANONYMOUS, cookie: malloryCookie } })).status).toBe(401);
    const refused = await request(`${server.url}/api/auth/token`, { method: 'POST', host, headers: ANONYMOUS, body: JSON.stringify({ token: server.token }) });
    expect(refused.status).toBe(403);
    expect(refused.json().error.code).toBe('HTTPS_REQUIRED');
    expect(refused.headers['set-cookie']).toBeUndefined();
    const secure = await request(`${server.url}/api/auth/token`, {
      method: 'POST',
      host,
      headers: { ...ANONYMOUS, 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ token: server.token }),
    });
    expect(String(secure.headers['set-cookie'])).toMatch(/^__Host-tessera_session=/);
    const hostCookie = String(secure.headers['set-cookie']).split(';')[0]!;
    expect(
      (
        await request(`${server.url}/api/me`, { host, headers: { ...ANONYMOUS, 'x-forwarded-proto': 'https', cookie: `${malloryCookie}; ${hostCookie}` } })
      ).json().id,
    ).toBe('admin');
    expect((await request(`${server.url}/api/me`, { host, headers: { ...ANONYMOUS, 'x-forwarded-proto': 'https', cookie: malloryCookie } })).status).toBe(401);
    // API tokens are not cookies: the CLI works over plain HTTP as before.
    expect((await request(`${server.url}/api/me`, { host, headers: { authorization: `Bearer ${server.token}` } })).json().id).toBe('admin');
  });
});
