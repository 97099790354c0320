import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { ANONYMOUS } from '../support/credentials.ts';
import { freePort } from '../support/net.ts';
import { startIdentityProvider, type LocalIdentityProvider } from '../support/oidc-provider.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * Sign-in through an OpenID Connect provider, round trip in Chromium against a real local provider
 * (`oidc-provider`): the builder's button, the provider's login and consent, back to the builder
 * signed in. A new account arrives with no projects; an invited email is linked to its user.
 */
let idp: LocalIdentityProvider;
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  idp = await startIdentityProvider([`http://localhost:${port}/api/auth/oidc/callback`]);
  server = await startTestServer({
    PORT: String(port),
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    OIDC_LABEL: 'Sign in with Example SSO',
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await idp?.close();
});

/** Through the provider's development login form and its consent page. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.goto(`http://localhost:${server.server.port}/`);
  await page.getByRole('link', { name: 'Sign in with Example SSO' }).click();
  await page.waitForURL((url) => url.origin === idp.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  await page.locator('button[type="submit"]').click();
  // Consent (first time for this client): the provider asks to authorize Tessera.
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`http://localhost:${server.server.port}/`);
}

const meOf = (page: Page) => page.evaluate(async () => (await fetch('/api/me')).json());

describe('OIDC sign-in', () => {
  it('offers the provider on the sign-in page and says so in /api/auth/methods', async () => {
    const methods = await (await fetch(`${server.url}/api/auth/methods`, { headers: ANONYMOUS })).json();
    expect(methods).toEqual({ password: true, token: true, oidc: { label: 'Sign in with Example SSO', start: '/api/auth/oidc/start' } });
  });

  it('signs a new account in through the provider, as a user with no projects yet', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await signInAtProvider(page, 'grace');
      await page.getByRole('button', { name: 'Grace' }).waitFor();
      expect(page.url()).toBe(`http://localhost:${server.server.port}/`);
      const me = await meOf(page);
      expect(me).toMatchObject({ id: 'grace', name: 'Grace', email: 'grace@example.test', admin: false, oidc: true, via: 'session', projects: [] });
      await page.getByText('No apps yet.').waitFor();
      // The session cookie is the builder's usual one; the sign-in state cookie is gone.
      const cookies = await context.cookies(`http://localhost:${server.server.port}/api/auth/oidc/callback`);
      expect(cookies.map((c) => c.name)).toEqual(['tessera_session']);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    } finally {
      await context.close();
    }
  });

  it('links an account to the user an admin invited with its email, who keeps their projects', async () => {
    const made = await fetch(`${server.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'heidi-h', name: 'Heidi H.', email: 'heidi@example.test' }),
    });
    expect(made.status).toBe(201);
    await fetch(`${server.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"bakery"}' });
    // An admin adds the account directly (others invite, and the project waits for a yes; see roles.test.ts).
    expect(
      (
        await fetch(`${server.url}/api/tenants/bakery/members/heidi-h`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"role":"editor","direct":true}',
        })
      ).status,
    ).toBe(200);
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await signInAtProvider(page, 'heidi');
      await page.getByRole('button', { name: 'bakery', exact: true }).waitFor();
      expect(await meOf(page)).toMatchObject({ id: 'heidi-h', oidc: true, projects: [{ tenant: 'bakery', role: 'editor' }] });
    } finally {
      await context.close();
    }
    const audit = (await (await fetch(`${server.url}/api/audit`)).json()).entries as Array<{ actor: string; action: string; via: string }>;
    expect(audit.some((e) => e.actor === 'heidi-h' && e.action === 'auth.sign-in' && e.via === 'oidc')).toBe(true);
    expect(audit.some((e) => e.actor === 'grace' && e.action === 'user.create' && e.via === 'oidc')).toBe(true);
  });

  it('refuses a callback that was not started here, or with a forged state', async () => {
    const res = await fetch(`${server.url}/api/auth/oidc/callback?code=abc&state=xyz`, { headers: ANONYMOUS, redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('not started here');
    const forged = Buffer.from(
      JSON.stringify({ state: 'expected', verifier: 'v'.repeat(43), nonce: 'n', redirectUrl: `http://localhost:${server.server.port}/api/auth/oidc/callback` }),
    ).toString('base64url');
    const wrongState = await fetch(`${server.url}/api/auth/oidc/callback?code=abc&state=other&iss=${encodeURIComponent(idp.issuer)}`, {
      headers: { ...ANONYMOUS, cookie: `tessera_oidc=${forged}` },
      redirect: 'manual',
    });
    expect(wrongState.status).toBe(401);
    expect(wrongState.headers.get('set-cookie') ?? '').not.toContain('tessera_session');
  });

  it('keeps the sign-in state in a __Host- cookie behind HTTPS, and reads only that name there', async () => {
    const started = await fetch(`${server.url}/api/auth/oidc/start`, { headers: { ...ANONYMOUS, 'x-forwarded-proto': 'https' }, redirect: 'manual' });
    expect(started.status).toBe(302);
    const cookie = started.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^__Host-tessera_oidc=[\w-]+;/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toMatch(/Domain=/i);
    // A plain-named state cookie (which a sibling host could set) is not a sign-in started here.
    const value = cookie.split(';')[0]!.slice('__Host-tessera_oidc='.length);
    const planted = await fetch(`${server.url}/api/auth/oidc/callback?code=abc&state=xyz`, {
      headers: { ...ANONYMOUS, 'x-forwarded-proto': 'https', cookie: `tessera_oidc=${value}` },
      redirect: 'manual',
    });
    expect(planted.status).toBe(401);
    expect(await planted.text()).toContain('not started here');
  });
});
