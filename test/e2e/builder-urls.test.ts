import { describe, expect, it } from 'vitest';
import { apiOk, useServerAndBrowser } from '../support/browser.ts';

/** DESIGN.md "Builder URLs": `/apps/<id>/<section>/<item>` opens that view; a reload or a shared link lands on it. */
const fixture = useServerAndBrowser();
const app = 'larder';

const api = (route: string, body?: unknown) => apiOk(fixture.server.url, route, body);

describe('builder URLs', () => {
  it('opens the app, section and item the address names, and keeps the address in step', async () => {
    await api('/api/tenants', { id: app });
    await api(`/api/tenants/${app}/tools/updateDatabaseSchema`, {
      sql: "CREATE TABLE jars (id INTEGER PRIMARY KEY, label TEXT); CREATE TABLE shelves (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO shelves (name) VALUES ('pantry top')",
    });
    await api(`/api/tenants/${app}/tools/createBackendFunction`, { name: 'count-jars', code: 'module.exports = async () => ({ status: 200, body: 1 })' });
    await api(`/api/tenants/${app}/tools/createFrontendComponent`, { name: 'JarList', code: 'export default function JarList() { return <p>jars</p>; }' });

    const page = await fixture.browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${fixture.server.url}/?token=${fixture.server.token}`);

    // A shared link to a table's rows.
    await page.goto(`${fixture.server.url}/apps/${app}/database/shelves`);
    expect(await page.getByRole('tab', { name: 'Database', exact: true }).getAttribute('aria-selected')).toBe('true');
    await page.getByLabel('Rows of shelves').getByRole('cell', { name: 'pantry top' }).waitFor();

    // Choosing a section and an item changes the address; a reload lands on the same view.
    await page.getByRole('tab', { name: 'Functions' }).click();
    expect(new URL(page.url()).pathname).toBe(`/apps/${app}/functions`);
    await page.getByRole('button', { name: 'count-jars' }).first().click();
    expect(new URL(page.url()).pathname).toBe(`/apps/${app}/functions/count-jars`);
    await page.reload();
    expect(await page.getByRole('tab', { name: 'Functions' }).getAttribute('aria-selected')).toBe('true');
    expect(new URL(page.url()).pathname).toBe(`/apps/${app}/functions/count-jars`);

    await page.goto(`${fixture.server.url}/apps/${app}/components/JarList`);
    expect(await page.getByRole('tab', { name: 'Components' }).getAttribute('aria-selected')).toBe('true');
    // Back goes to the view before.
    await page.goBack();
    expect(new URL(page.url()).pathname).toBe(`/apps/${app}/functions/count-jars`);
    await page.getByRole('tab', { name: 'Functions' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Functions' }).getAttribute('aria-selected')).toBe('true');

    // The app alone, and an unknown section, open the app's first section.
    await page.goto(`${fixture.server.url}/apps/${app}`);
    expect(await page.getByRole('tab', { name: 'Chat' }).getAttribute('aria-selected')).toBe('true');
    await page.goto(`${fixture.server.url}/apps/${app}/nonsense`);
    expect(await page.getByRole('tab', { name: 'Chat' }).getAttribute('aria-selected')).toBe('true');
    expect(errors).toEqual([]);
  });
});
