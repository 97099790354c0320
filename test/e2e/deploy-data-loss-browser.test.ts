import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiOk, useServerAndBrowser } from '../support/browser.ts';

/**
 * A deploy whose migrations would lose live data, from the builder's Releases tab: the owner sees
 * which tables and rows, nothing changes until "Deploy anyway", and the answer says a snapshot was
 * taken first. Screenshots at 1280 and 1024 px go to docs/screenshots/.
 */
const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');
mkdirSync(screenshots, { recursive: true });
const fixture = useServerAndBrowser({ SNAPSHOT_INTERVAL_MS: '0' });
const app = 'pantry';

const api = (route: string, body?: unknown) => apiOk(fixture.server.url, route, body);

describe('a deploy that would lose live data, in the builder', () => {
  it('shows what it would lose and deploys only when the owner confirms', async () => {
    await api('/api/tenants', { id: app });
    await api(`/api/tenants/${app}/tools/updateDatabaseSchema`, { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, shelf TEXT)' });
    await api(`/api/tenants/${app}/releases`, { version: '1.0.0' });
    await api(`/api/tenants/${app}/releases/1.0.0/deploy`, {});
    const live = fixture.server.platform.dbPool.get(app, 'live');
    for (const name of ['rice', 'beans', 'oats']) await live.execute('INSERT INTO items (name, shelf) VALUES (?, ?)', [name, 'top']);
    await api(`/api/tenants/${app}/tools/updateDatabaseSchema`, { sql: 'ALTER TABLE items DROP COLUMN shelf' });
    await api(`/api/tenants/${app}/releases`, { version: '1.1.0' });

    for (const width of [1280, 1024]) {
      const page = await fixture.browser.newPage({ viewport: { width, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${fixture.server.url}/?token=${fixture.server.token}`);
      await page.goto(`${fixture.server.url}/?app=${app}`);
      await page.getByRole('tab', { name: 'Releases' }).click();
      await page.getByRole('button', { name: 'Deploy 1.1.0' }).click();
      const dialog = page.getByRole('alertdialog', { name: 'Deploying would lose live data' });
      await dialog.waitFor();
      expect(await dialog.getByRole('listitem').allTextContents()).toEqual(['items: shelf would be dropped (3 rows)']);
      await page.screenshot({ path: path.join(screenshots, `deploy-data-loss-${width}.png`) });
      if (width === 1024) {
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        expect(await dialog.count()).toBe(0);
        continue;
      }
      // Nothing changed yet: 1.0.0 is live on its schema.
      expect((await api(`/api/tenants/${app}/deployments`)).live).toBe('1.0.0');
      expect((await api(`/api/tenants/${app}/database?database=live`)).tables[0].columns.map((c: { name: string }) => c.name)).toEqual(['id', 'name', 'shelf']);
      expect(errors).toEqual([]);
      await page.close();
    }
    const page = await fixture.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${fixture.server.url}/?token=${fixture.server.token}`);
    await page.goto(`${fixture.server.url}/?app=${app}`);
    await page.getByRole('tab', { name: 'Releases' }).click();
    await page.getByRole('button', { name: 'Deploy 1.1.0' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Deploy anyway' }).click();
    await page
      .getByRole('status')
      .getByText(/Deployed 1\.1\.0\. The live database was migrated from 1 to 2 \(snapshot \S+ was taken first\)\./)
      .waitFor();
    expect((await api(`/api/tenants/${app}/deployments`)).live).toBe('1.1.0');
    expect((await api(`/api/tenants/${app}/database?database=live`)).tables[0].columns.map((c: { name: string }) => c.name)).toEqual(['id', 'name']);
    expect((await fixture.server.platform.snapshots.list(app)).map((s) => s.reason)).toContain('before deploy 1.1.0');
  });
});
