import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * A team in the builder, in Chromium: an admin creates accounts, a user signs in with a password,
 * starts a project and invites a viewer, who accepts and then can look but not change, and the owner
 * reads the audit log.
 */
const screenshots = path.resolve(import.meta.dirname, '../../test-output/screenshots');
mkdirSync(screenshots, { recursive: true });

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

async function signInWithPassword(page: Page, login: string, password: string): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('User id or email').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

let erin: Page;

describe('a team in the builder', () => {
  it('lets an admin create users and hand over a one-time sign-in link', async () => {
    const admin = await newPage();
    await admin.goto(`${server.url}/?token=${server.token}`);
    await admin.getByRole('button', { name: 'Users and audit log' }).click();
    await admin.getByLabel('New user id').fill('erin');
    await admin.getByLabel('New user name').fill('Erin');
    await admin.getByLabel('New user email').fill('erin@example.test');
    await admin.getByLabel('New user password').fill('erin-long-password');
    await admin.getByRole('button', { name: 'Create user' }).click();
    const link = (await admin.getByLabel('Sign-in link').textContent())!;
    expect(link).toMatch(new RegExp(`^${server.url}/\\?token=tsl_`));
    await admin.getByLabel('New user id').fill('frank');
    await admin.getByLabel('New user name').fill('Frank');
    await admin.getByRole('button', { name: 'Create user' }).click();
    const frankLink = (await admin.getByLabel('Sign-in link').textContent())!;
    await admin.getByLabel('Users').getByText('Frank').waitFor();
    await admin.screenshot({ path: path.join(screenshots, 'users.png'), fullPage: true });

    // Frank has no password yet: his link signs him in once, then he sets one.
    const frank = await newPage();
    await frank.goto(frankLink);
    await frank.getByRole('button', { name: 'Frank' }).click();
    await frank.getByLabel('New password').fill('frank-new-password');
    await frank.getByRole('button', { name: 'Set password' }).click();
    await frank.getByRole('status').getByText('Password saved.').waitFor();
    await frank.goto(frankLink);
    await frank.getByText(/not valid/).waitFor();
  });

  it('signs in with a password, makes the creator owner, who invites a viewer in Members', async () => {
    erin = await newPage();
    await signInWithPassword(erin, 'erin', 'wrong-password-here');
    await erin.getByRole('alert').getByText('Wrong user or password.').waitFor();
    await signInWithPassword(erin, 'erin@example.test', 'erin-long-password');
    await erin.getByRole('button', { name: 'Erin' }).waitFor();
    await erin.getByLabel('New app id').fill('garden');
    await erin.getByRole('button', { name: 'Create' }).click();
    await erin.getByLabel('Your role').getByText('owner').waitFor();
    await erin.getByRole('tab', { name: 'Members' }).click();
    await erin.getByLabel('Member user id or email').fill('frank');
    await erin.getByLabel('New member role').selectOption('viewer');
    await erin.getByRole('button', { name: 'Invite' }).click();
    await erin
      .getByRole('status')
      .getByText(/Invited frank as viewer: they join when they accept/)
      .waitFor();
    // Not a member until he says yes: listed as waiting, with no role to change.
    await erin.getByLabel('Pending invitations').getByRole('row').filter({ hasText: 'frank' }).filter({ hasText: 'viewer' }).waitFor();
    expect(await erin.getByLabel('Role of frank').count()).toBe(0);
    // The only owner cannot step down.
    await erin.getByLabel('Role of erin').selectOption('editor');
    await erin
      .getByRole('alert')
      .getByText(/only owner/)
      .waitFor();
    expect(await erin.getByLabel('Role of erin').inputValue()).toBe('owner');
    await erin.screenshot({ path: path.join(screenshots, 'members.png'), fullPage: true });
  });

  it('shows the invited person the invitation; the project joins their list when they accept', async () => {
    const frank = await newPage();
    await signInWithPassword(frank, 'frank', 'frank-new-password');
    await frank
      .getByRole('button', { name: /^Invitations/ })
      .getByLabel('1 waiting')
      .waitFor();
    expect(await frank.getByRole('button', { name: 'garden', exact: true }).count()).toBe(0);
    await frank.getByRole('button', { name: /^Invitations/ }).click();
    const row = frank.getByLabel('Invitations').getByRole('row').filter({ hasText: 'garden' });
    await row.filter({ hasText: 'viewer' }).filter({ hasText: 'erin' }).waitFor();
    await frank.screenshot({ path: path.join(screenshots, 'invitations.png'), fullPage: true });
    await row.getByRole('button', { name: 'Accept' }).click();
    await frank.getByRole('status').getByText('You joined garden as viewer.').waitFor();
    await frank.getByRole('button', { name: 'garden', exact: true }).waitFor();
    await frank.getByText('No invitations waiting.').waitFor();
  });

  it('shows a viewer everything read-only, and the server refuses their changes', async () => {
    const frank = await newPage();
    await signInWithPassword(frank, 'frank', 'frank-new-password');
    await frank.getByRole('button', { name: 'garden', exact: true }).click();
    await frank.getByRole('note').getByText('You are a viewer of this project').waitFor();
    await frank.getByLabel('Prompt').fill('Give me owner rights');
    expect(await frank.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect(await frank.getByRole('tab', { name: 'Audit' }).count()).toBe(0);
    expect(await frank.getByRole('button', { name: 'Delete garden' }).count()).toBe(0);
    await frank.getByRole('tab', { name: 'Members' }).click();
    await frank.getByText('Only owners manage members.').waitFor();
    // The UI is a courtesy; the server is the wall: the same requests from his page are refused.
    const answers = await frank.evaluate(async () => {
      const post = (url: string, body: unknown, method = 'POST') =>
        fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => [
          r.status,
          (await r.json()).error?.code,
        ]);
      return [
        await post('/api/tenants/garden/tools/createBackendFunction', { name: 'x', code: 'module.exports = async () => ({})' }),
        await post('/api/tenants/garden/members/frank', { role: 'owner' }, 'PUT'),
        await post('/api/tenants/garden/releases', { version: '1.0.0' }),
      ];
    });
    expect(answers).toEqual([
      [403, 'FORBIDDEN'],
      [403, 'FORBIDDEN'],
      [403, 'FORBIDDEN'],
    ]);
    await frank.screenshot({ path: path.join(screenshots, 'viewer.png'), fullPage: true });
  });

  it("shows the owner the project's audit log: who did what, refusals included", async () => {
    await erin.getByRole('tab', { name: 'Audit' }).click();
    await erin.getByRole('tab', { name: 'Members' }).click();
    expect(await erin.getByLabel('Role of frank').inputValue()).toBe('viewer');
    expect(await erin.getByLabel('Pending invitations').count()).toBe(0);
    await erin.getByRole('tab', { name: 'Audit' }).click();
    const log = erin.getByLabel('Audit log');
    await log.getByRole('row').filter({ hasText: 'member.set' }).filter({ hasText: 'erin' }).first().waitFor();
    await log.getByRole('row').filter({ hasText: 'tool.createBackendFunction' }).filter({ hasText: 'frank' }).filter({ hasText: 'refused' }).waitFor();
    await log.getByRole('row').filter({ hasText: 'project.create' }).waitFor();
    await log.getByRole('row').filter({ hasText: 'invitation.accept' }).filter({ hasText: 'frank' }).waitFor();
    await erin.screenshot({ path: path.join(screenshots, 'audit.png'), fullPage: true });
  });
});
