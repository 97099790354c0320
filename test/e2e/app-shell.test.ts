import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestServer } from '../support/platform.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let page: Page;
const errors: string[] = [];

async function tool(name: string, args: unknown): Promise<void> {
  const res = await fetch(`${server.url}/api/tenants/shop/tools/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  await fetch(`${server.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"shop"}' });
  await tool('updateDatabaseSchema', { sql: 'CREATE TABLE hits (n INTEGER); INSERT INTO hits VALUES (0)' });
  await tool('createBackendFunction', {
    name: 'list-items',
    code: "module.exports = async () => ({ status: 200, body: [{ id: 1, name: 'Apple' }, { id: 2, name: 'Pear' }] })",
  });
  await tool('createBackendFunction', {
    name: 'get-item',
    code: "module.exports = async ({ request }) => ({ status: 200, body: { id: request.query.id, name: request.query.id === '2' ? 'Pear' : 'Apple' } })",
  });
  await tool('createBackendFunction', {
    name: 'counter',
    code: "const db = require('@tessera/db');\nmodule.exports = async () => { await db.execute('UPDATE hits SET n = n + 1'); const [row] = await db.query('SELECT n FROM hits'); return { status: 200, body: row }; };",
  });
  await tool('createFrontendComponent', {
    name: 'ItemList',
    code: 'export default function ItemList({ items }: { items: Array<{ id: number; name: string }> }) {\n  return <ul>{items.map((i) => <li key={i.id}><a href={`/items/${i.id}`}>{i.name}</a></li>)}</ul>;\n}',
  });
  await tool('createFrontendComponent', {
    name: 'ItemDetail',
    code: 'export default function ItemDetail({ item, tessera }: any) {\n  return <p data-testid="detail">Item {tessera.params.id}: {item.name}</p>;\n}',
  });
  await tool('createFrontendComponent', { name: 'Broken', code: "export default function Broken(): JSX.Element {\n  throw new Error('I always fail');\n}" });
  await tool('createFrontendComponent', {
    name: 'Hits',
    code: 'export default function Hits({ hits, tessera }: any) {\n  return <button onClick={() => tessera.reload()}>Hits: {hits.n}</button>;\n}',
  });
  await tool('updateUILayout', {
    blueprint: {
      version: 1,
      title: 'Shop',
      routes: [
        {
          path: '/',
          title: 'Home',
          root: {
            component: 'Container',
            children: [
              { component: 'Heading', props: { text: 'Fruit' } },
              { component: 'Broken' },
              { component: 'ItemList', data: { items: { function: 'list-items' } } },
              { component: 'Hits', data: { hits: { function: 'counter' } } },
            ],
          },
        },
        { path: '/items/:id', title: 'Item', root: { component: 'ItemDetail', data: { item: { function: 'get-item', query: { id: ':id' } } } } },
      ],
    },
  });
  page = await browser.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the app shell', () => {
  it('renders the layout, data bindings, and contains a broken component', async () => {
    await page.goto(await server.previewLink('shop'));
    await page.getByRole('heading', { name: 'Fruit' }).waitFor();
    await page.getByRole('link', { name: 'Pear' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Component Broken failed: I always fail');
    expect(await page.title()).toBe('Home · Shop');
  });

  it("refetches a node's data when the component calls reload()", async () => {
    const button = page.getByRole('button', { name: /Hits:/ });
    const before = Number((await button.textContent())!.replace(/\D/g, ''));
    await button.click();
    await page.getByRole('button', { name: `Hits: ${before + 1}` }).waitFor();
  });

  it('navigates on the client and passes route params to bindings and components', async () => {
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.getByRole('link', { name: 'Pear' }).click();
    await page.getByTestId('detail').getByText('Item 2: Pear').waitFor();
    expect(new URL(page.url()).pathname).toBe('/items/2');
    // No full page load happened: the marker survives.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.goBack();
    await page.getByRole('link', { name: 'Apple' }).waitFor();
  });

  it('shows a not-found view for unknown paths, and an empty app says it has no pages', async () => {
    await page.goto(`${server.appUrl('shop')}no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await fetch(`${server.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"empty"}' });
    await page.goto(await server.previewLink('empty'));
    await page.getByRole('heading', { name: 'This app has no pages yet' }).waitFor();
    expect(errors.filter((e) => !e.includes('I always fail'))).toEqual([]);
  });
});
