import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBuilderAs, useServerAndBrowser } from '../support/browser.ts';

/**
 * The Database section's draft/live switch, "Refresh draft from live" and the live data's
 * snapshots, in Chromium: take one, restore it after a dialog that says what happens, and a viewer
 * who sees neither. Screenshots at 1280 and 1024 px go to docs/screenshots/.
 */
const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');
mkdirSync(screenshots, { recursive: true });

const fixture = useServerAndBrowser({ SNAPSHOT_INTERVAL_MS: '0' });
const app = 'kiosk';
let page: Page;
const pageErrors: string[] = [];

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
const rows = async (database: 'draft' | 'live') =>
  (await api(`/api/tenants/${app}/database/tables/items/rows?database=${database}`)).rows.map((r: { name: string }) => r.name);

beforeAll(async () => {
  await api('/api/tenants', { body: { id: app } });
  await api(`/api/tenants/${app}/tools/updateDatabaseSchema`, { body: { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)' } });
  await api(`/api/tenants/${app}/releases`, { body: { version: '1.0.0' } });
  await api(`/api/tenants/${app}/releases/1.0.0/deploy`, { body: {} });
  // Live data comes from the app's users (the builder does not edit it): written here as the app would.
  const live = fixture.server.platform.dbPool.get(app, 'live');
  for (const name of ['espresso', 'croissant']) await live.execute('INSERT INTO items (name) VALUES (?)', [name]);
  await api(`/api/tenants/${app}/database/tables/items/rows?database=draft`, { body: { values: { name: 'test row' } } });
  await api('/api/users', { body: { id: 'vera', password: 'vera-viewer-password' } });
  await api(`/api/tenants/${app}/members/vera`, { method: 'PUT', body: { role: 'viewer', direct: true } });
  page = await fixture.browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${fixture.server.url}/?token=${fixture.server.token}`);
  await page.goto(`${fixture.server.url}/?app=${app}`);
  await page.getByRole('tab', { name: 'Database' }).click();
});

describe('draft and live data in the Database section', () => {
  it('says which database it shows, and switches between draft and live', async () => {
    const shown = page.getByRole('group', { name: 'Database shown' });
    expect(await shown.getByRole('button', { name: 'Draft data' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('note', { name: 'Which database' }).getByText('Showing the draft database').waitFor();
    await page.getByRole('button', { name: 'Browse items' }).click();
    await page.getByLabel('Rows of items').getByRole('cell', { name: 'test row' }).waitFor();

    await shown.getByRole('button', { name: 'Live data' }).click();
    await page.getByRole('note', { name: 'Which database' }).getByText('Showing the live database').waitFor();
    const liveRows = page.getByLabel('Rows of items');
    await liveRows.getByRole('cell', { name: 'croissant' }).waitFor();
    expect(await liveRows.getByRole('cell', { name: 'test row' }).count()).toBe(0);
    // The live schema changes only by deploys: no SQL editor or designer for it.
    const views = await page.getByRole('tablist', { name: 'Database views' }).getByRole('tab').allTextContents();
    expect(views).toEqual(['Schema', 'Rows', 'Snapshots']);
    await page.screenshot({ path: path.join(screenshots, 'database-live-1280.png') });
  });

  it('takes a snapshot and restores it after a dialog that says what will happen', async () => {
    await page.getByRole('tab', { name: 'Snapshots' }).click();
    const list = page.getByRole('table', { name: 'Snapshots' });
    await list.getByRole('cell', { name: 'before deploy 1.0.0' }).waitFor();
    await page.getByLabel('Snapshot reason').fill('before the menu change');
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    await page.getByRole('status').getByText('Snapshot taken: before the menu change').waitFor();
    const row = list.getByRole('row', { name: /^Snapshot before the menu change/ });
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      expect.stringMatching(/by admin$/),
      'before the menu change',
      '1.0.0',
      expect.stringMatching(/^[\d.]+ KiB$/),
      'Restore',
    ]);

    // Live data changes after the snapshot; the restore brings the snapshot's back.
    await fixture.server.platform.dbPool.get(app, 'live').execute('DELETE FROM items WHERE id = ?', [1]);
    expect(await rows('live')).toEqual(['croissant']);
    await row.getByRole('button', { name: 'Restore' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore this snapshot?' });
    await dialog.getByText('becomes what it was at', { exact: false }).waitFor();
    expect(await dialog.textContent()).toMatch(
      /The live data of kiosk becomes what it was at .+ \(before the menu change\)\. Every change to live data since then is replaced/,
    );
    expect(await dialog.textContent()).toContain('The live data as it is now is snapshotted first, so you can undo this');
    await page.screenshot({ path: path.join(screenshots, 'database-snapshot-restore-1280.png') });
    // Cancel changes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await rows('live')).toEqual(['croissant']);

    await row.getByRole('button', { name: 'Restore' }).click();
    await dialog.getByRole('button', { name: 'Restore live data' }).click();
    await page.getByRole('status').getByText('Restored the live data to', { exact: false }).waitFor();
    expect(await rows('live')).toEqual(['espresso', 'croissant']);
    expect(await rows('draft')).toEqual(['test row']);
    // The snapshot of the data before names the restored one by its time.
    await list.getByRole('cell', { name: /^before restoring the one of / }).waitFor();

    await page.setViewportSize({ width: 1024, height: 800 });
    await page.screenshot({ path: path.join(screenshots, 'database-snapshots-1024.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('refreshes the draft from live after a confirmation', async () => {
    await page.getByRole('button', { name: 'Refresh draft from live' }).click();
    const dialog = page.getByRole('dialog', { name: 'Refresh the draft from live?' });
    await dialog.getByText('Rows that exist only in the draft', { exact: false }).waitFor();
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.screenshot({ path: path.join(screenshots, 'database-refresh-draft-1024.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await dialog.getByRole('button', { name: 'Replace draft data' }).click();
    await page.getByRole('status').getByText('The draft now has a copy of the live data', { exact: false }).waitFor();
    expect(await rows('draft')).toEqual(['espresso', 'croissant']);
    expect(await rows('live')).toEqual(['espresso', 'croissant']);
    expect(pageErrors).toEqual([]);
  });

  it('shows a viewer neither the snapshots nor the refresh, only the data', async () => {
    const { context, page: viewer } = await openBuilderAs(fixture.browser, fixture.server.url, 'vera', 'vera-viewer-password', app);
    try {
      await viewer.getByRole('tab', { name: 'Database' }).click();
      await viewer.getByRole('group', { name: 'Database shown' }).getByRole('button', { name: 'Live data' }).click();
      await viewer.getByRole('button', { name: 'Browse items' }).click();
      await viewer.getByLabel('Rows of items').getByRole('cell', { name: 'espresso' }).waitFor();
      expect(await viewer.getByRole('tablist', { name: 'Database views' }).getByRole('tab').allTextContents()).toEqual(['Schema', 'Rows']);
      expect(await viewer.getByRole('button', { name: 'Refresh draft from live' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
