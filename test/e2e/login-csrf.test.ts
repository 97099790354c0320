import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from '../support/browser.ts';

/**
 * Login CSRF, in Chromium: a generated app's page (on its own app origin) navigates the builder's
 * browser to `/?token=<its author's sign-in link or API token>`. The browser is not switched to the
 * author's account: it gets a page naming that account, whose button alone signs in. A link the
 * person types or pastes still signs in at once; an API token in a URL never does.
 */
const screenshots = path.resolve(import.meta.dirname, '../../test-output/screenshots');
mkdirSync(screenshots, { recursive: true });

const fixture = useServerAndBrowser();

/** The app's only page: it sends the browser wherever its URL's fragment says, as a lure would. */
const LURE = `import { useEffect } from 'react';
export default function Lure() {
  useEffect(() => {
    const target = decodeURIComponent(location.hash.slice(1));
    if (target) setTimeout(() => { window.location.href = target; }, 50);
  }, []);
  return <p>Claim your prize…</p>;
}`;

async function api(route: string, body?: unknown): Promise<any> {
  const res = await fetch(
    `${fixture.server.url}${route}`,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return res.json();
}

const whoAmI = (page: Page) =>
  page.evaluate(async () => {
    const res = await fetch('/api/me');
    return res.ok ? ((await res.json()) as { id: string }).id : res.status;
  });

async function lured(context: BrowserContext, target: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  // The attacker's app, reached through a preview link its author shared.
  await page.goto(`${await fixture.server.previewLink('lure')}#${encodeURIComponent(target)}`);
  await page.waitForURL((url) => url.origin === new URL(fixture.server.url).origin, { timeout: 15_000 });
  await page.waitForLoadState('domcontentloaded');
  return page;
}

describe('sign-in links and tokens sent by an app', () => {
  it("never switches the browser from an app's navigation; the button, a typed link, and nothing else signs in", async () => {
    const { server, browser } = fixture;
    await api('/api/tenants', { id: 'lure' });
    expect((await api('/api/tenants/lure/tools/createFrontendComponent', { name: 'Lure', code: LURE })).ok).toBe(true);
    expect((await api('/api/tenants/lure/tools/updateUILayout', { blueprint: { version: 1, routes: [{ path: '/', root: { component: 'Lure' } }] } })).ok).toBe(
      true,
    );
    const made = await api('/api/users', { id: 'mallory', name: 'Mallory' });
    const malloryLink = made.signInUrl as string;
    const { token: malloryApiToken } = await server.platform.auth.createApiToken('mallory', 'laptop');

    // The victim is signed in to the builder (a typed link: signed in at once).
    const victim = await browser.newContext();
    const builder = await victim.newPage();
    await builder.goto(`${server.url}/?token=${server.token}`);
    await builder.getByRole('button', { name: 'lure', exact: true }).waitFor();
    expect(await whoAmI(builder)).toBe('admin');

    // The app sends the victim's browser to its author's sign-in link: a question, not a sign-in.
    const asked = await lured(victim, malloryLink);
    await asked.getByRole('heading', { name: 'Sign in to Tessera?' }).waitFor();
    expect(await asked.getByTestId('account').textContent()).toBe('Mallory (mallory)');
    await asked
      .getByRole('alert')
      .getByText(/You are signed in as/)
      .waitFor();
    await asked.screenshot({ path: path.join(screenshots, 'sign-in-confirmation.png'), fullPage: true });
    expect(await whoAmI(asked)).toBe('admin');
    expect(await whoAmI(builder)).toBe('admin');
    await asked.getByRole('link', { name: 'Cancel' }).click();
    await asked.getByRole('button', { name: 'lure', exact: true }).waitFor();
    expect(await whoAmI(asked)).toBe('admin');

    // A browser with no session is not signed in either, until the person presses the button.
    const stranger = await browser.newContext();
    const strangerPage = await lured(stranger, malloryLink);
    await strangerPage.getByRole('heading', { name: 'Sign in to Tessera?' }).waitFor();
    expect(await whoAmI(strangerPage)).toBe(401);
    expect((await stranger.cookies(server.url)).map((c) => c.name)).not.toContain('tessera_session');
    await strangerPage.getByRole('button', { name: 'Sign in as mallory' }).click();
    await strangerPage.getByRole('button', { name: 'Mallory' }).waitFor();
    expect(await whoAmI(strangerPage)).toBe('mallory');
    expect(new URL(strangerPage.url()).search).toBe('');

    // An API token in a URL: refused, whether an app sent it or the person typed it.
    const tokenContext = await browser.newContext();
    const sent = await lured(tokenContext, `${server.url}/?token=${malloryApiToken}`);
    await sent.getByText(/API tokens are not accepted in a URL/).waitFor();
    expect(await whoAmI(sent)).toBe(401);
    const typedToken = await tokenContext.newPage();
    await typedToken.goto(`${server.url}/?token=${malloryApiToken}`);
    await typedToken.getByText(/API tokens are not accepted in a URL/).waitFor();
    expect(await whoAmI(typedToken)).toBe(401);

    // A link typed or pasted into the address bar signs in at once, as the README says.
    const fresh = (await api('/api/users/mallory/sign-in-link', {})).signInUrl as string;
    const typed = await tokenContext.newPage();
    await typed.goto(fresh);
    await typed.getByRole('button', { name: 'Mallory' }).waitFor();
    expect(await whoAmI(typed)).toBe('mallory');
    expect(new URL(typed.url()).search).toBe('');

    await victim.close();
    await stranger.close();
    await tokenContext.close();
  });
});
