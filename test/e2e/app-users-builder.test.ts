import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openBuilderAs } from '../support/browser.ts';
import { request, type SimpleResponse } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * The builder's Users section (docs/app-users.md) in Chromium: the owner of an app lists and
 * searches its users, promotes one, disables one (who is signed out at once), deletes one, closes
 * sign-ups and reads a reset mail in the outbox; each change checked on the API and on the app's
 * own origin. An editor sees no such tab. The screenshot goes to docs/screenshots/.
 */
const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');
mkdirSync(screenshots, { recursive: true });

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** Each app user's session cookie (`name=value`) and id, from signing up. */
const people: Record<string, { cookie: string; id: string }> = {};

/** The control API as the server's administrator (the app's owner here). */
async function api(route: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const res = await request(`${server.url}${route}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  expect(res.status, res.text).toBeLessThan(300);
  return res.json();
}

/** A request on the app's draft origin, as the app's own page would send it (same origin). */
function onApp(route: string, options: { body?: unknown; cookie?: string } = {}): Promise<SimpleResponse> {
  const origin = `draft.diary.localhost:${server.server.port}`;
  return request(`http://127.0.0.1:${server.server.port}${route}`, {
    method: options.body === undefined ? 'GET' : 'POST',
    host: origin,
    headers: { origin: `http://${origin}`, ...(options.cookie ? { cookie: options.cookie } : {}) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

async function signUp(email: string, name: string): Promise<SimpleResponse> {
  return onApp('/_tessera/auth/signup', { body: { email, name, password: `${name.toLowerCase()}-long-password` } });
}

const row = (email: string) => page.getByLabel('App users').getByRole('row').filter({ hasText: email });
const appUsers = async (): Promise<{ users: { email: string; role: string; disabled: boolean }[]; signup: string }> => api('/api/tenants/diary/app-users');

beforeAll(async () => {
  server = await startTestServer();
  await api('/api/tenants', { body: { id: 'diary' } });
  await api('/api/users', { body: { id: 'eddie', password: 'eddie-editor-password' } });
  await api('/api/tenants/diary/members/eddie', { method: 'PUT', body: { role: 'editor', direct: true } });
  for (const [email, name] of [
    ['ann@example.com', 'Ann'],
    ['bob@example.com', 'Bob'],
    ['cleo@example.com', 'Cleo'],
    ['dan@example.com', 'Dan'],
  ] as const) {
    const res = await signUp(email, name);
    expect(res.status, res.text).toBe(201);
    const cookie = [res.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('tessera_app_session='))!;
    people[name] = { cookie: cookie.split(';')[0]!, id: res.json().user.id };
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${server.url}/?token=${server.token}`);
  await page.goto(`${server.url}/?app=diary`);
  await page.getByRole('tab', { name: 'Users' }).click();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the builder's Users section", () => {
  it('lists the app users with their role, state and dates, and searches them', async () => {
    for (const email of ['ann@example.com', 'bob@example.com', 'cleo@example.com', 'dan@example.com']) await row(email).waitFor();
    await row('ann@example.com').filter({ hasText: 'Ann' }).filter({ hasText: 'user' }).waitFor();
    expect(await page.getByLabel('Who may sign up').inputValue()).toBe('open');

    await page.getByLabel('Search users').fill('BO');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel('App users').getByRole('row').filter({ hasText: 'ann@example.com' }).waitFor({ state: 'detached' });
    expect(await page.getByLabel('App users').locator('tbody tr').count()).toBe(1);
    await row('bob@example.com').waitFor();
    await page.getByLabel('Search users').fill('nobody-here');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No user matches “nobody-here”.').waitFor();
    await page.getByRole('button', { name: 'Show all' }).click();
    await row('dan@example.com').waitFor();
    expect(await page.getByLabel('App users').locator('tbody tr').count()).toBe(4);
  });

  it('promotes a user to admin, which the API and the app both confirm', async () => {
    await row('ann@example.com').getByRole('button', { name: 'Make admin' }).click();
    await page.getByRole('status').getByText('ann@example.com is now an admin.').waitFor();
    await row('ann@example.com').getByRole('button', { name: 'Make user' }).waitFor();
    expect((await appUsers()).users.find((u) => u.email === 'ann@example.com')?.role).toBe('admin');
    expect((await onApp('/_tessera/auth/me', { cookie: people.Ann!.cookie })).json().user.role).toBe('admin');
  });

  it('disables a user, whose session stops at once', async () => {
    expect((await onApp('/_tessera/auth/me', { cookie: people.Bob!.cookie })).status).toBe(200);
    await row('bob@example.com').getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('status').getByText('bob@example.com is disabled and signed out everywhere.').waitFor();
    await row('bob@example.com').getByRole('button', { name: 'Enable' }).waitFor();
    expect((await appUsers()).users.find((u) => u.email === 'bob@example.com')?.disabled).toBe(true);
    const me = await onApp('/_tessera/auth/me', { cookie: people.Bob!.cookie });
    expect(me.status).toBe(401);
    expect(me.json().error.code).toBe('SIGN_IN_REQUIRED');
    const again = await onApp('/_tessera/auth/signin', { body: { email: 'bob@example.com', password: 'bob-long-password' } });
    expect(again.status).toBe(401);
  });

  it('deletes a user after asking, and keeps them when the owner says no', async () => {
    page.once('dialog', (dialog) => void dialog.dismiss());
    await row('cleo@example.com').getByRole('button', { name: 'Delete' }).click();
    expect((await appUsers()).users.map((u) => u.email)).toContain('cleo@example.com');

    page.once('dialog', (dialog) => {
      expect(dialog.message()).toMatch(/^Delete cleo@example\.com\?/);
      void dialog.accept();
    });
    await row('cleo@example.com').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').getByText('cleo@example.com deleted.').waitFor();
    await row('cleo@example.com').waitFor({ state: 'detached' });
    expect((await appUsers()).users.map((u) => u.email)).toEqual(['ann@example.com', 'bob@example.com', 'dan@example.com']);
    expect((await onApp('/_tessera/auth/me', { cookie: people.Cleo!.cookie })).status).toBe(401);
  });

  it('closes sign-ups, after which a sign-up is refused', async () => {
    await page.getByLabel('Who may sign up').selectOption('closed');
    await page.getByRole('status').getByText('Sign-ups are now closed.').waitFor();
    expect((await appUsers()).signup).toBe('closed');
    const refused = await signUp('eve@example.com', 'Eve');
    expect(refused.status).toBe(403);
    expect(refused.json().error.code).toBe('SIGNUP_CLOSED');
    // The choice stays when the section is opened again.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Users' }).click();
    expect(await page.getByLabel('Who may sign up').inputValue()).toBe('closed');
  });

  it("shows a reset mail in the app's outbox, its text opened on a click", async () => {
    await page.getByText('No mail yet.').waitFor();
    const reset = await onApp('/_tessera/auth/reset', { body: { email: 'dan@example.com' } });
    expect(reset.status).toBe(202);
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Users' }).click();
    const mail = page.getByLabel('Outbox').getByRole('listitem').filter({ hasText: 'dan@example.com' });
    await mail.getByText('Reset your password').click();
    const text = mail.locator('pre');
    await text.waitFor();
    expect(await text.textContent()).toMatch(new RegExp(`http://draft\\.diary\\.localhost:${server.server.port}/_tessera/auth/reset\\?token=tar_`));

    // Ann signs in once more, so the screenshot shows a last sign-in beside the never-signed-in.
    expect((await onApp('/_tessera/auth/signin', { body: { email: 'ann@example.com', password: 'ann-long-password' } })).status).toBe(200);
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByLabel('Outbox').getByText('Reset your password').click();
    await page.getByLabel('Outbox').locator('pre').waitFor();
    await page.setViewportSize({ width: 1280, height: 1100 });
    // Opening the mail scrolled the section; the picture starts at its heading.
    await page.locator('.panel').evaluate((panel) => panel.scrollTo(0, 0));
    await page.screenshot({ path: path.join(screenshots, 'app-users.png') });
    expect(pageErrors).toEqual([]);
  });

  it('is not offered to an editor, whom the server refuses too', async () => {
    const { context, page: editor } = await openBuilderAs(browser, server.url, 'eddie', 'eddie-editor-password', 'diary');
    try {
      await editor.getByLabel('Your role').getByText('editor').waitFor();
      await editor.getByRole('tab', { name: 'Members' }).waitFor();
      expect(await editor.getByRole('tab', { name: 'Users' }).count()).toBe(0);
      const status = await editor.evaluate(async () => (await fetch('/api/tenants/diary/app-users')).status);
      expect(status).toBe(403);
    } finally {
      await context.close();
    }
  });
});
