import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from '../support/browser.ts';
import { request } from '../support/http.ts';

const example = (file: string) => readFileSync(new URL(`../../examples/notes/${file}`, import.meta.url), 'utf8');

const fixture = useServerAndBrowser();

async function api(path: string, body: unknown): Promise<any> {
  const res = await fetch(`${fixture.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

describe('a notes app built purely through the tools API', () => {
  it('adds a note through the form and keeps it across a reload', async () => {
    await api('/api/tenants', { id: 'notes' });
    await api('/api/tenants/notes/tools/updateDatabaseSchema', { sql: example('schema.sql') });
    await api('/api/tenants/notes/tools/createBackendFunction', { name: 'notes', code: example('notes.js') });
    await api('/api/tenants/notes/tools/createFrontendComponent', { name: 'NotesApp', code: example('NotesApp.tsx') });
    await api('/api/tenants/notes/tools/updateUILayout', { blueprint: JSON.parse(example('blueprint.json')) });

    const page = await fixture.browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));

    await page.goto(await fixture.server.previewLink('notes'));
    await page.getByRole('heading', { name: 'My notes' }).waitFor();
    expect(await page.title()).toBe('Notes');
    await page.getByLabel('New note').fill('Buy milk');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByTestId('notes').getByText('Buy milk').waitFor();

    await page.reload();
    await page.getByTestId('notes').getByText('Buy milk').waitFor();
    expect(await page.getByTestId('notes').locator('li').allTextContents()).toEqual(['Buy milk']);
    expect(problems).toEqual([]);

    // The note lives in the tenant's SQLite database, reached by the function.
    const listed = (await request(`${fixture.server.appUrl('notes')}api/notes`)).json();
    expect(listed).toEqual([expect.objectContaining({ id: 1, text: 'Buy milk' })]);

    // Live: nothing until a release is deployed; then the same app on its own, live database (the
    // deploy applied the schema's migration to it): the draft's test note is not live data.
    const live = await fixture.browser.newPage();
    live.on('pageerror', (err) => problems.push(err.message));
    expect((await live.goto(fixture.server.liveUrl('notes')))?.status()).toBe(404);
    await live.getByRole('heading', { name: 'Nothing is live yet' }).waitFor();
    await api('/api/tenants/notes/releases', { version: '1.0.0' });
    await api('/api/tenants/notes/releases/1.0.0/deploy', {});
    await live.goto(fixture.server.liveUrl('notes'));
    await live.getByText('No notes yet').waitFor();
    await live.getByLabel('New note').fill('Pay rent');
    await live.getByRole('button', { name: 'Add' }).click();
    await live.getByTestId('notes').getByText('Pay rent').waitFor();
    await page.reload();
    await page.getByTestId('notes').getByText('Buy milk').waitFor();
    expect(await page.getByTestId('notes').locator('li').allTextContents()).toEqual(['Buy milk']);
    expect(problems).toEqual([]);
  });

  it('answers unknown app hosts with 404 in the browser too', async () => {
    const page = await fixture.browser.newPage();
    const response = await page.goto(fixture.server.appUrl('nosuchapp'));
    expect(response?.status()).toBe(404);
  });
});
