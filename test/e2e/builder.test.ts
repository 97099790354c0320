import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestServer } from '../support/platform.ts';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model.ts';

/** Screenshots of the main screens, for a reviewer (not committed). */
const screenshots = path.resolve(import.meta.dirname, '../../test-output/screenshots');
mkdirSync(screenshots, { recursive: true });
const example = (file: string) => readFileSync(path.resolve(import.meta.dirname, '../../examples/notes', file), 'utf8');

let model: ScriptedModel;
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function post(route: string, body: unknown): Promise<void> {
  const res = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

beforeAll(async () => {
  model = await startScriptedModel([{ text: 'Looking at the app.', toolCalls: [{ name: 'listArtifacts', arguments: {} }] }, { text: 'It has a notes table.' }]);
  server = await startTestServer({ OPENAI_BASE_URL: model.url, OPENAI_MODEL: 'scripted', OPENAI_API_KEY: 'test' });
  browser = await launchChromium();
  page = await browser.newPage();
  // Fail a wait with the locator it waited for, well before the test's own time limit.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await model?.close();
});

describe('the builder', () => {
  it('creates a project, validating the id as you type', async () => {
    // The console's sign-in link: a session cookie, then the builder at / without the token in the URL.
    await page.goto(`${server.url}/?token=${server.token}`);
    await page.getByText('No apps yet.').waitFor();
    expect(page.url()).toBe(`${server.url}/`);
    const input = page.getByLabel('New app id');
    await input.fill('Bad_Id');
    await page.getByRole('alert').getByText('DNS label').waitFor();
    expect(await page.getByRole('button', { name: 'Create' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Create' }).evaluate((button) => getComputedStyle(button).cursor)).toBe('not-allowed');
    await page.screenshot({ path: path.join(screenshots, 'create-invalid-name.png') });
    await input.fill('notes');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('tab', { name: 'Chat' }).waitFor();
    await page.getByRole('button', { name: 'notes', exact: true }).waitFor();
  });

  it('streams an agent run into the chat, sent with Enter (Shift+Enter breaks the line)', async () => {
    const prompt = page.getByLabel('Prompt');
    const send = page.getByRole('button', { name: 'Send' });
    // Nothing to send yet: the button says so by its looks too, not only to a screen reader.
    expect(await send.isDisabled()).toBe(true);
    expect(await send.evaluate((button) => [getComputedStyle(button).cursor, Number(getComputedStyle(button).opacity) < 1])).toEqual(['not-allowed', true]);
    await prompt.pressSequentially('What does my app');
    await prompt.press('Shift+Enter');
    await prompt.pressSequentially('have?');
    expect(await prompt.inputValue()).toBe('What does my app\nhave?');
    expect(await page.getByLabel('Conversation').getByText('You:').count()).toBe(0);
    expect(await send.evaluate((button) => getComputedStyle(button).cursor)).toBe('pointer');
    await prompt.press('Enter');
    await page.getByLabel('Conversation').getByText('You: What does my app have?').waitFor();
    expect(await prompt.inputValue()).toBe('');
    await page.getByText('listArtifacts ✓').waitFor();
    await page.getByText('It has a notes table.').waitFor();
    await page.getByText('Done: answered').waitFor();
  });

  it('edits a component through the tools, showing compile errors at their line', async () => {
    await post('/api/tenants/notes/tools/updateDatabaseSchema', { sql: example('schema.sql') });
    await post('/api/tenants/notes/tools/createBackendFunction', { name: 'notes', code: example('notes.js') });
    await post('/api/tenants/notes/tools/createFrontendComponent', { name: 'NotesApp', code: example('NotesApp.tsx') });
    await post('/api/tenants/notes/tools/updateUILayout', { blueprint: JSON.parse(example('blueprint.json')) });
    await page.goto(`${server.url}/?app=notes`);
    await page.getByRole('tab', { name: 'Components' }).click();
    await page.getByRole('button', { name: 'NotesApp' }).click();
    // CodeMirror: the source, highlighted, in an editable region labelled with its file.
    const editor = page.getByLabel('Source of frontend/NotesApp.tsx');
    await editor.getByText('export default function NotesApp').waitFor();
    expect(await page.locator('.code-editor .cm-line .tok-keyword, .code-editor .cm-line [class*="ͼ"]').count()).toBeGreaterThan(0);
    const source = example('NotesApp.tsx');
    await editor.fill(source.replace('</main>', '</mian>'));
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('alert')
      .getByText(/COMPILE_ERROR at line \d+/)
      .waitFor();
    // The error sits at its line in the editor: a marked range and a gutter marker.
    await page.locator('.code-editor .cm-lintRange-error').first().waitFor();
    await page.locator('.code-editor .cm-lint-marker-error').first().waitFor();
    await page.screenshot({ path: path.join(screenshots, 'components-compile-error.png') });
    await editor.fill(source.replace('Write a note', 'Write something'));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect(await page.locator('.code-editor .cm-lintRange-error').count()).toBe(0);
    const row = page.getByLabel('Components', { exact: true }).getByRole('row', { name: /NotesApp/ });
    await row.getByText('built').waitFor();
    await row.getByRole('cell', { name: '2', exact: true }).waitFor();
  });

  it('invokes a function from its request panel and shows the app in the draft preview', async () => {
    await page.getByRole('tab', { name: 'Functions' }).click();
    await page.getByRole('button', { name: 'notes', exact: true }).last().click();
    await page.getByLabel('Method').selectOption('POST');
    await page.getByLabel('JSON body').fill('{"text": "from the builder"}');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByLabel('Invocation result').getByText(/^201/).waitFor();
    await page
      .getByLabel('Invocation result')
      .getByText(/content-type: application\/json/)
      .waitFor();
    await page.getByLabel('Recent invocations of notes').getByRole('cell', { name: '201' }).waitFor();
    await page.getByLabel('Query').fill('?probe=1');
    await page.getByLabel('Method').selectOption('GET');
    await page.getByLabel('JSON body').fill('');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByLabel('Recent invocations of notes').getByText('GET /?probe=1').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'functions.png') });
    // The function's logs stream into the builder as calls happen.
    await page
      .getByLabel('Logs of notes')
      .getByText(/\[tessera\] start POST \//)
      .waitFor();
    await page
      .getByLabel('Logs of notes')
      .getByText(/\[tessera\] end 201/)
      .waitFor();
    const preview = page.frameLocator('iframe[title="Preview of notes"]');
    await page.getByRole('button', { name: 'Reload' }).click();
    await preview.getByText('from the builder').waitFor();
  });

  it('shows the draft (members only) in the preview and in a new tab, each through a signed link of its own', async () => {
    const draftHost = `draft.notes.localhost:${server.server.port}`;
    // The iframe went through the builder's preview route to a signed link, which set the grant
    // cookie (SameSite=None; Secure; Partitioned: the builder and the draft are different sites)
    // and sent it on without the link; the app's own calls from inside the frame carry the cookie.
    const frame = page.frames().find((f) => f.url().includes(draftHost));
    expect(frame?.url()).toBe(`http://${draftHost}/`);
    await page.frameLocator('iframe[title="Preview of notes"]').getByText('from the builder').waitFor();
    const [tab] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Open in new tab' }).click()]);
    await tab.getByText('from the builder').waitFor();
    expect(tab.url()).toBe(`http://${draftHost}/`);
    await tab.close();
    // Another browser, with no grant, gets the page that says how to get access...
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    const refused = await strangerPage.goto(`http://${draftHost}/`);
    expect(refused?.status()).toBe(401);
    expect(await refused?.text()).toContain('ask an owner of the project for a preview link');
    // ...until an owner shares a link (valid one day) with them.
    await page.getByRole('button', { name: 'Share draft' }).click();
    const link = await page.getByLabel('Draft link').inputValue();
    expect(link).toMatch(new RegExp(`^http://${draftHost.replace(/\./g, '\\.')}/\\?tessera_preview=`));
    await page.getByRole('status').getByText('Anyone with this link can open the draft until').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'share-draft.png') });
    await strangerPage.goto(link);
    await strangerPage.getByText('from the builder').waitFor();
    expect(strangerPage.url()).toBe(`http://${draftHost}/`);
    await stranger.close();
  });

  it('shows the routes as a tree, refuses a layout naming a missing component, and saves a valid one', async () => {
    await page.getByRole('tab', { name: 'Routes' }).click();
    await page.getByLabel('Routes').getByText('NotesApp').waitFor();
    await page.getByLabel('Routes').getByText('notes ← /api/notes').waitFor();
    const editor = page.getByLabel('Blueprint JSON');
    await editor.getByText('"routes"').first().waitFor();
    const original = JSON.stringify(await (await fetch(`${server.url}/api/tenants/notes`)).json().then((t) => t.blueprint), null, 2);
    await editor.fill(original.replace('"NotesApp"', '"Ghost"'));
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page
      .getByRole('alert')
      .getByText(/BLUEPRINT_REFERENCE: .*Ghost/)
      .waitFor();
    await editor.fill(original.replace('"My notes"', '"Team notes"'));
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'routes.png') });
    await page.frameLocator('iframe[title="Preview of notes"]').getByRole('heading', { name: 'Team notes' }).waitFor();
  });

  it('reloads the preview when the app changes elsewhere', async () => {
    await post('/api/tenants/notes/tools/createFrontendComponent', {
      name: 'NotesApp',
      code: example('NotesApp.tsx').replace('Write a note', 'Changed by the API'),
    });
    await page.frameLocator('iframe[title="Preview of notes"]').getByPlaceholder('Changed by the API').waitFor();
    await post('/api/tenants/notes/tools/createFrontendComponent', {
      name: 'NotesApp',
      code: example('NotesApp.tsx').replace('Write a note', 'Write something'),
    });
  });

  it('releases, deploys and shows the live app', async () => {
    await page.getByRole('tab', { name: 'Releases' }).click();
    await expect.poll(() => page.getByLabel('Release version').inputValue()).toBe('1.0.0');
    await page.getByRole('button', { name: 'Create release' }).click();
    await page.getByRole('status').getByText('Released 1.0.0.').waitFor();
    await page.getByRole('button', { name: 'Deploy 1.0.0' }).click();
    await page.getByText('Live (1.0.0)').waitFor();
    await page.getByLabel('Deployments').getByText('— → 1.0.0').waitFor();
    await page.getByRole('button', { name: 'Create release' }).click();
    await page.getByRole('button', { name: 'Diff 1.0.0 to 1.0.1' }).click();
    await page
      .getByLabel('Release diff')
      .getByText(/components: added - · changed - · removed -/)
      .waitFor();
    await page.getByRole('button', { name: 'Deploy 1.0.1' }).click();
    await page.getByText('Live (1.0.1)').waitFor();
    await page.getByRole('button', { name: 'Roll back to 1.0.0' }).click();
    await page.getByRole('status').getByText('Rolled back to 1.0.0.').waitFor();
    await page.getByText('Live (1.0.0)').waitFor();
    await page.getByLabel('Deployments').getByText('1.0.1 → 1.0.0').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'releases.png') });
    await page.getByLabel(/Live \(1\.0\.0\)/).check();
    await page.frameLocator('iframe[title="Preview of notes"]').getByPlaceholder('Write something').waitFor();
  });

  it('browses a table page by page and runs read-only SQL', async () => {
    await post('/api/tenants/notes/tools/invokeFunction', { name: 'notes', request: { method: 'POST', body: { text: 'second' } } });
    for (let i = 0; i < 54; i++)
      await post('/api/tenants/notes/tools/invokeFunction', { name: 'notes', request: { method: 'POST', body: { text: `bulk ${i}` } } });
    await page.getByRole('tab', { name: 'Database' }).click();
    await page.getByRole('button', { name: 'Browse notes' }).click();
    const rows = page.getByLabel('Rows of notes');
    await rows.getByText('from the builder').waitFor();
    await page.getByText('Rows 1–50').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Rows 51–56').waitFor();
    await rows.getByText('bulk 53').waitFor();
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'database.png') });
    await page.getByLabel('SQL query').fill('SELECT count(*) AS n FROM notes');
    await page.getByRole('button', { name: 'Run (read-only)' }).click();
    await page.getByLabel('Query result').getByText('56', { exact: true }).waitFor();
    await page.getByLabel('SQL query').fill('DELETE FROM notes');
    await page.getByRole('button', { name: 'Run (read-only)' }).click();
    await page.getByRole('alert').waitFor();
  });

  it("shows each commit's diff and reverts one through the same checks", async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const commits = page.getByLabel('Commits');
    await commits.getByText('Update UI layout: 1 route (/)').first().waitFor();
    expect(await commits.getByText('Update component NotesApp').count()).toBe(3);
    const log = (await (await fetch(`${server.url}/api/tenants/notes/commits`)).json()).commits as Array<{ id: string; message: string }>;
    const titleChange = log.find((c) => c.message.startsWith('Update UI layout'))!;
    await page.getByRole('button', { name: `Diff of ${titleChange.id.slice(0, 10)}` }).click();
    await page
      .getByLabel('Commit diff')
      .getByText(/^\+.*"Team notes"/)
      .waitFor();
    await page
      .getByLabel('Commit diff')
      .getByText(/^-.*"My notes"/)
      .waitFor();
    await page.screenshot({ path: path.join(screenshots, 'history.png') });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Revert ${titleChange.id.slice(0, 10)}` }).click();
    await page
      .getByRole('status')
      .getByText(/^Reverted /)
      .waitFor();
    await commits.getByText(`Revert "${titleChange.message}"`).waitFor();
    const blueprint = (await (await fetch(`${server.url}/api/tenants/notes`)).json()).blueprint;
    expect(JSON.stringify(blueprint)).toContain('"My notes"');
    expect(JSON.stringify(blueprint)).not.toContain('Team notes');
    // A commit that changed the schema cannot be taken back: migrations only move forward.
    const migration = log.find((c) => /schema|migration/i.test(c.message))!;
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Revert ${migration.id.slice(0, 10)}` }).click();
    await page
      .getByRole('alert')
      .getByText(/migrations only move forward/)
      .waitFor();
  });

  it('keeps earlier runs as readable transcripts', async () => {
    await page.reload();
    await page.getByRole('tab', { name: 'Chat' }).click();
    const conversation = page.getByLabel('Conversation');
    await conversation.getByText('You: What does my app have?').waitFor();
    await conversation.getByText('→ listArtifacts').waitFor();
    await conversation.getByText('It has a notes table.').waitFor();
    await page.getByText('1 earlier run of the agent').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'chat.png') });
  });

  it('sets a secret the agent asked for, never shows it again, and approves a proposed host', async () => {
    await post('/api/tenants/notes/tools/requestSecret', { name: 'MAIL_API_KEY', reason: 'sending reminder mails' });
    await post('/api/tenants/notes/tools/proposeEgress', { host: 'api.mail.example', reason: 'the mail API' });
    await page.getByRole('tab', { name: 'Settings' }).click();
    const asked = page.getByLabel('Secrets the agent asked for');
    await asked.getByText('sending reminder mails').waitFor();
    await asked.getByRole('button', { name: 'Set it' }).click();
    expect(await page.getByLabel('Secret name').inputValue()).toBe('MAIL_API_KEY');
    await page.getByLabel('Secret value').fill('mk_live_998877');
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.getByRole('status').getByText('Saved MAIL_API_KEY.').waitFor();
    await page.getByLabel('Secrets', { exact: true }).getByText('MAIL_API_KEY').waitFor();
    expect(await asked.count()).toBe(0);
    expect(await page.content()).not.toContain('mk_live_998877');
    // The field upper-cases as you type; a name with a hyphen is still refused by the server, in words.
    await page.getByLabel('Secret name').fill('BAD-NAME');
    await page.getByLabel('Secret value').fill('x');
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.getByRole('alert').getByText('UPPER_SNAKE_CASE').waitFor();
    await page.getByLabel('Hosts the agent proposed').getByText('the mail API').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel('Allowed hosts').getByText('api.mail.example').waitFor();
    const egress = await (await fetch(`${server.url}/api/tenants/notes/egress`)).json();
    expect(egress).toEqual({ allow: ['api.mail.example'], pending: [] });
    await page.screenshot({ path: path.join(screenshots, 'settings.png') });
  });

  it('deletes a project after confirmation', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete notes' }).click();
    await page.getByText('No apps yet.').waitFor();
    expect(pageErrors).toEqual([]);
  });
});

describe('signing in', () => {
  it('asks for a token when signed out, refuses a wrong one, and manages API tokens', async () => {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    try {
      await fresh.goto(server.url);
      await fresh.getByRole('heading', { name: 'Sign in to Tessera' }).waitFor();
      await fresh.getByText('Sign in with a link or a token').click();
      await fresh.getByLabel('Token', { exact: true }).fill('not-a-token');
      await fresh.getByRole('button', { name: 'Sign in with token' }).click();
      await fresh
        .getByRole('alert')
        .getByText(/not valid/)
        .waitFor();
      await fresh.getByLabel('Token', { exact: true }).fill(server.token);
      await fresh.getByRole('button', { name: 'Sign in with token' }).click();
      await fresh.getByRole('button', { name: 'admin (TESSERA_TOKEN) (admin)' }).click();
      await fresh.getByLabel('Token name').fill('ci script');
      await fresh.getByRole('button', { name: 'Create token' }).click();
      const token = (await fresh.getByLabel('New token').textContent())!;
      expect(token).toMatch(/^tsk_/);
      const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      await fresh.getByLabel('API tokens').getByText('ci script').waitFor();
      await fresh.screenshot({ path: path.join(screenshots, 'account.png') });
      await fresh.getByRole('button', { name: 'Revoke' }).click();
      await expect.poll(async () => (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      await fresh.getByRole('button', { name: 'Sign out' }).click();
      await fresh.getByRole('heading', { name: 'Sign in to Tessera' }).waitFor();
    } finally {
      await context.close();
    }
  });
});

describe('the builder without a model', () => {
  it('says which variables to set and keeps the rest usable', async () => {
    const bare = await startTestServer();
    const other = await browser.newPage();
    try {
      await fetch(`${bare.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"quiet"}' });
      await other.goto(`${bare.url}/?token=${bare.token}`);
      await other.goto(`${bare.url}/?app=quiet`);
      await other
        .getByRole('status')
        .getByText(/OPENAI_MODEL/)
        .waitFor();
      expect(await other.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
      // Enter does not send either: there is no model to send to.
      await other.getByLabel('Prompt').fill('Anything');
      await other.getByLabel('Prompt').press('Enter');
      expect(await other.getByLabel('Conversation').getByText('You:').count()).toBe(0);
      expect(await other.getByLabel('Prompt').inputValue()).toBe('Anything');
      await other.getByRole('tab', { name: 'History' }).click();
      await other.getByText('Create app quiet').waitFor();
    } finally {
      await other.close();
      await bare.close();
    }
  });
});
