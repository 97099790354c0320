import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from '../support/browser.ts';

/**
 * Two example apps built through the tools API from tenant components that use Tailwind, the UI kit
 * and an npm charting package (Chart.js, from the real npm registry, pinned), driven in Chromium and
 * saved as screenshots so a reviewer can see how generated apps look. The checks make sure each
 * picture shows a working, styled app. A test run writes them to test-output/screenshots/; the
 * reviewer's copies in test/e2e/screenshots/ change only on purpose: `UPDATE_SCREENSHOTS=1 npx vitest run test/e2e/showcase.test.ts`.
 */

const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? path.join(import.meta.dirname, 'screenshots') : path.resolve(import.meta.dirname, '../../test-output/screenshots');
const CHART_JS = '4.5.1';
const example = (app: string, file: string) => readFileSync(path.join(import.meta.dirname, '../../examples', app, file), 'utf8');
const fixture = useServerAndBrowser({
  npm_config_registry: process.env.npm_config_registry ?? 'https://registry.npmjs.org/',
  PACKAGE_REGISTRY_TIMEOUT_MS: '60000',
});

async function api(urlPath: string, body: unknown): Promise<any> {
  const res = await fetch(`${fixture.server.url}${urlPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

async function newPage() {
  const page = await fixture.browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  return { page, problems };
}

describe('showcase apps', () => {
  mkdirSync(SHOTS, { recursive: true });

  it('a notes app', async () => {
    await api('/api/tenants', { id: 'notes' });
    await api('/api/tenants/notes/tools/updateDatabaseSchema', { sql: example('notes', 'schema.sql') });
    await api('/api/tenants/notes/tools/createBackendFunction', { name: 'notes', code: example('notes', 'notes.js') });
    await api('/api/tenants/notes/tools/createFrontendComponent', { name: 'NotesApp', code: example('notes', 'NotesApp.tsx') });
    await api('/api/tenants/notes/tools/updateUILayout', {
      blueprint: { ...JSON.parse(example('notes', 'blueprint.json')), theme: { primary: '#7c3aed', accent: '#ede9fe', accentForeground: '#5b21b6' } },
    });

    const { page, problems } = await newPage();
    await page.goto(await fixture.server.previewLink('notes'));
    await page.getByRole('heading', { name: 'No notes yet' }).waitFor();
    for (const text of [
      'Buy oat milk and coffee beans',
      'Call the plumber about the kitchen tap',
      'Book train tickets to Lyon for the 14th',
      'Read chapter 3 of "Designing Data-Intensive Applications"',
    ]) {
      await page.getByLabel('New note').fill(text);
      await page.getByRole('button', { name: 'Add' }).click();
      await page.getByTestId('notes').getByText(text).waitFor();
    }
    // Styled by Tailwind: the note cards are a two-column grid with the theme's accent border.
    const card = page.getByTestId('notes').locator('li').first();
    expect(await page.getByTestId('notes').evaluate((el) => getComputedStyle(el).display)).toBe('grid');
    expect(await card.evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe('rgb(124, 58, 237)');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(SHOTS, 'notes.png'), fullPage: true, animations: 'disabled' });
    expect(problems).toEqual([]);
  });

  it('a dashboard app: stats, a chart, a sortable table and a form with field errors', async () => {
    await api('/api/tenants', { id: 'sales' });
    await api('/api/tenants/sales/tools/updateDatabaseSchema', { sql: example('dashboard', 'schema.sql') });
    await api('/api/tenants/sales/tools/createBackendFunction', { name: 'orders', code: example('dashboard', 'orders.js') });
    const dashboard = await api('/api/tenants/sales/tools/createFrontendComponent', {
      name: 'Dashboard',
      code: example('dashboard', 'Dashboard.tsx'),
      dependencies: { 'chart.js': CHART_JS },
    });
    expect(dashboard.result.packages).toEqual({ 'chart.js': CHART_JS });
    await api('/api/tenants/sales/tools/createFrontendComponent', { name: 'NewOrder', code: example('dashboard', 'NewOrder.tsx') });
    await api('/api/tenants/sales/tools/updateUILayout', { blueprint: JSON.parse(example('dashboard', 'blueprint.json')) });

    const { page, problems } = await newPage();
    const vendorRequests: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/_tessera/')) vendorRequests.push(new URL(req.url()).pathname);
    });
    await page.goto(await fixture.server.previewLink('sales'));
    await page.getByRole('heading', { name: 'Sales overview' }).waitFor();
    // The chart is Chart.js's, from the app's own vendor module of the package (import map), drawn on
    // its canvas in the theme's primary colour (#0f766e).
    const imports = await page.evaluate(() => JSON.parse(document.querySelector('script[type="importmap"]')!.textContent!).imports as Record<string, string>);
    expect(vendorRequests).toContain(imports['chart.js']);
    const chart = page.getByRole('img', { name: /Desk lamp: \$/ });
    await chart.waitFor();
    const barPixels = await chart.evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4)
        if (Math.abs(data[i]! - 15) < 8 && Math.abs(data[i + 1]! - 118) < 8 && Math.abs(data[i + 2]! - 110) < 8 && data[i + 3]! > 200) count++;
      return count;
    });
    expect(barPixels).toBeGreaterThan(2000);
    await page.getByText('Page 1 of 2').waitFor();
    // A field error from the function, shown under its field, for the picture too.
    await page.getByLabel('Customer').fill('Linus Torvalds');
    await page.getByLabel('Product').selectOption('Desk lamp');
    await page.getByRole('button', { name: 'Add order' }).click();
    await page.getByText('The amount must be more than 0.').waitFor();
    await page.getByRole('button', { name: 'Amount' }).click();
    await page.getByRole('button', { name: 'Amount' }).click();
    expect(await page.getByRole('columnheader', { name: /Amount/ }).getAttribute('aria-sort')).toBe('descending');
    // Four stat cards in one row at this width.
    const stats = await page
      .locator('main .grid')
      .first()
      .evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(' ').length);
    expect(stats).toBe(4);
    expect(await page.getByRole('link', { name: 'Overview' }).evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(204, 251, 241)');
    // Same pixels every run: no hover, no caret, transitions finished (animations: 'disabled').
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true, animations: 'disabled' });

    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('table').getByText('All orders').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-orders.png'), fullPage: true, animations: 'disabled' });
    expect(problems).toEqual([]);
  });
});
