import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from '../support/browser.ts';

/**
 * An app's own users in the browser (docs/app-users.md): a blueprint with private routes, the
 * kit's SignIn, SignUp and UserMenu, and useUser() shared by the shell. Built with the tools only,
 * opened in Chromium on the app's origin. Screenshots go to docs/screenshots/.
 */
const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');
mkdirSync(screenshots, { recursive: true });

const fixture = useServerAndBrowser();

async function api(route: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const res = await fetch(`${fixture.server.url}${route}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

const nav = [
  { to: '/', label: 'Home' },
  { to: '/journal', label: 'Journal' },
  { to: '/admin', label: 'Admin' },
];
const layout = (children: unknown[]) => ({ component: 'ui.AppLayout', props: { title: 'Journal', nav, userMenu: true }, children });

const blueprint = {
  version: 1,
  title: 'Journal',
  theme: { primary: '#7c3aed', radius: '0.75rem' },
  routes: [
    { path: '/', title: 'Home', root: layout([{ component: 'Heading', props: { text: 'A journal for you alone' } }]) },
    {
      path: '/journal',
      title: 'My journal',
      access: 'user',
      root: layout([
        {
          component: 'ui.Card',
          props: { title: 'Your journal', description: 'Only you can see this page.' },
          children: [{ component: 'Text', props: { text: 'Today I wrote my first entry.' } }],
        },
      ]),
    },
    { path: '/admin', title: 'Admin', access: 'admin', root: layout([{ component: 'Heading', props: { text: 'Administration' } }]) },
    { path: '/signin', title: 'Sign in', root: { component: 'Container', children: [{ component: 'ui.SignIn', props: { signUpTo: '/signup' } }] } },
    { path: '/signup', title: 'Sign up', root: { component: 'Container', children: [{ component: 'ui.SignUp', props: { signInTo: '/signin' } }] } },
  ],
};

/** Browser noise that is the contract, not a fault: `me` answers 401 to a visitor, sign-in 401 to a wrong password, sign-up 409 and 403. */
function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && !/status of (401|403|409)/.test(msg.text()) && problems.push(msg.text()));
  return problems;
}

describe("an app's own users in the browser", () => {
  it('shows a private page to its signed-up user only, keeps them signed in, signs them out, and keeps admin pages for admins', async () => {
    await api('/api/tenants', { body: { id: 'journal' } });
    await api('/api/tenants/journal/tools/updateUILayout', { body: { blueprint } });
    const app = fixture.server.appUrl('journal');
    const page = await fixture.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchErrors(page);

    // A visitor asking for the private page gets the app's sign-in page at the same address (the
    // draft's: they follow a preview link to it).
    await page.goto(await fixture.server.previewLink('journal', '/journal'));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByText('Sign in to continue to Journal.').isVisible()).toBe(true);
    expect(await page.getByText('Your journal').count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe('/journal');
    await page.screenshot({ path: path.join(screenshots, 'app-sign-in.png') });

    // Signing up from there (the link turns the form into SignUp) lands on the page asked for.
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('Name').fill('Ann Example');
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Today I wrote my first entry.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/journal');
    const menu = page.locator('[data-tessera-user]');
    expect(await menu.textContent()).toContain('Ann Example');
    expect(await menu.textContent()).toContain('ann@example.com');
    await page.screenshot({ path: path.join(screenshots, 'app-private-page.png') });

    // A reload keeps them signed in (the session cookie, read back through /_tessera/auth/me), asked
    // once for the page although the shell's access check and the UserMenu both want to know.
    const asked: string[] = [];
    page.on('request', (request) => request.url().includes('/_tessera/auth/me') && asked.push(request.url()));
    await page.reload();
    await page.getByText('Today I wrote my first entry.').waitFor();
    expect(await menu.textContent()).toContain('Ann Example');
    expect(asked).toHaveLength(1);

    // An admin page tells a plain user they are not allowed, rather than asking them to sign in.
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await page.screenshot({ path: path.join(import.meta.dirname, '../../test-output/screenshots/app-not-allowed.png') });
    expect(await page.getByText('Administration').count()).toBe(0);

    // Signing out (UserMenu) ends the session on the server: the private page asks to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${app}journal`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => fetch('/_tessera/auth/me').then((res) => res.status))).toBe(401);

    // A wrong password shows the server's message on the form; the right one shows the page.
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Today I wrote my first entry.').waitFor();

    // Promoted by the app's owner, the same user sees the admin page.
    const { users } = await api('/api/tenants/journal/app-users');
    await api(`/api/tenants/journal/app-users/${users[0].id}`, { method: 'PATCH', body: { role: 'admin' } });
    await page.goto(`${app}admin`);
    await page.getByText('Administration').waitFor();
    expect(problems).toEqual([]);
  });

  it('on sign-in and sign-up pages of its own: goes to ?next= only within the app, and shows a taken email on its field and closed sign-ups on the form', async () => {
    const app = fixture.server.appUrl('journal');
    const page = await fixture.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchErrors(page);

    // The public page's UserMenu offers to sign in; the app's /signin page takes the visitor back after.
    await page.goto(await fixture.server.previewLink('journal', `/signin?next=${encodeURIComponent('/journal')}`));
    await page.getByRole('link', { name: 'Create an account' }).waitFor();
    expect(await page.getByRole('link', { name: 'Create an account' }).getAttribute('href')).toBe('/signup?next=%2Fjournal');
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Today I wrote my first entry.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/journal');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    // A `next` that leaves the app is not followed.
    await page.goto(`${app}signin?next=${encodeURIComponent('//evil.example/')}`);
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('You are signed in as').waitFor();
    expect(new URL(page.url()).host).toBe(new URL(app).host);
    await page.evaluate(() => fetch('/_tessera/auth/signout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));

    // Without a sign-in page of the app's own, UserMenu's Sign in opens the form in a dialog.
    await page.goto(app);
    await page.getByRole('heading', { name: 'A journal for you alone' }).waitFor();
    await page.getByRole('banner').getByRole('button', { name: 'Sign in' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign in' });
    await dialog.getByLabel('Email').fill('ann@example.com');
    await dialog.getByLabel('Password').fill('correct horse battery');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-tessera-user]').getByText('Ann Example').waitFor();
    expect(await dialog.count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('banner').getByRole('button', { name: 'Sign in' }).waitFor();

    // "Forgot your password?" asks for a reset link, which goes to the app's outbox (no mail server here).
    await page.goto(`${app}signin`);
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('status').filter({ hasText: 'a link to set a new password is on its way' }).waitFor();
    const { mail } = await api('/api/tenants/journal/outbox');
    expect(mail[0].to).toBe('ann@example.com');
    expect(mail[0].text).toContain('/_tessera/auth/reset?token=');
    await page.getByRole('button', { name: 'Back to sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    // The sign-up page: a taken email shows under the email field.
    await page.goto(`${app}signup`);
    await page.getByLabel('Name').fill('Someone Else');
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill('another long password');
    await page.getByRole('button', { name: 'Create account' }).click();
    const email = page.getByLabel('Email');
    await page.locator('input[name="email"][aria-invalid="true"]').waitFor();
    const describedBy = (await email.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy.split(' ').pop()}"]`).textContent()).toMatch(/already/i);

    // An app that takes no sign-ups says so on the form.
    await api('/api/tenants/journal/app-auth', { method: 'PUT', body: { signup: 'closed' } });
    await page.getByLabel('Email').fill('new@example.com');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not take sign-ups' }).waitFor();
    expect(problems).toEqual([]);
  });
});
