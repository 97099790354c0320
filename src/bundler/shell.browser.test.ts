import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppAssets, buildComponent, renderShellHtml, type AppAssets, type BuiltComponent } from './index.ts';

/**
 * The app shell in a real browser, against the real vendor bundles and shell: a tiny server
 * plays the app origin (page, assets, component bundles, two fake functions).
 */

const sources: Record<string, string> = {
  ItemList: `import { useState } from 'react';
type Item = { id: number; name: string };
export default function ItemList({ list, label, tessera }: { list: { calls: number; items: Item[] }; label: string; tessera: { reload(): void } }) {
  const [clicks, setClicks] = useState(0);
  return (
    <section>
      <p data-testid="calls">{label} calls: {list.calls}</p>
      <ul>{list.items.map((i) => <li key={i.id}><a href={'/items/' + i.id}>{i.name}</a></li>)}</ul>
      <button onClick={() => setClicks(clicks + 1)}>Clicked {clicks}</button>
      <button onClick={() => tessera.reload()}>Reload</button>
    </section>
  );
}`,
  Broken: `export default function Broken(): never {\n  throw new Error('boom');\n}`,
  ItemView: `export default function ItemView({ item, tessera, children }: any) {
  return <div><p data-testid="item">Item {tessera.params.id}: {item.name}</p>{children}</div>;
}`,
  Refresher: `export default function Refresher({ tessera }: any) {\n  return <button onClick={() => tessera.reload()}>Refresh page</button>;\n}`,
  Failing: `export default function Failing() { return <p>never shown</p>; }`,
};

const blueprint = {
  version: 1,
  title: 'Shop',
  routes: [
    {
      path: '/',
      title: 'Home',
      root: {
        component: 'Container',
        children: [
          { component: 'Heading', props: { text: 'Fruit', level: 2 } },
          { component: 'Broken' },
          { component: 'Ghost' },
          { component: 'Unloadable' },
          { component: 'Failing', data: { rows: { function: 'fails' } } },
          { component: 'ItemList', props: { label: 'List' }, data: { list: { function: 'list-items' } } },
          { component: 'Refresher' },
        ],
      },
    },
    {
      path: '/items/:id',
      title: 'Item',
      root: {
        component: 'ItemView',
        data: { item: { function: 'get-item', query: { id: ':id' } } },
        children: [{ component: 'Link', props: { to: '/', text: 'All fruit' } }],
      },
    },
  ],
};

let assets: AppAssets;
let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
let listCalls = 0;
const pageErrors: string[] = [];

function startServer(bundles: Map<string, BuiltComponent>): Promise<Server> {
  const names = ['banana', 'Apple', 'Pear'];
  const components = Object.fromEntries([...bundles.values()].map((b) => [b.name, `/_tessera/mfe/${b.fileName}`]));
  components.Unloadable = '/_tessera/mfe/Unloadable.000000000000.js';
  const srv = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const file = url.pathname.split('/').pop() ?? '';
    if (url.pathname.startsWith('/_tessera/assets/')) {
      const asset = assets.assets.get(file);
      return asset ? send(200, asset.contentType, asset.code) : send(404, 'text/plain', 'no asset');
    }
    if (url.pathname.startsWith('/_tessera/mfe/')) {
      const bundle = [...bundles.values()].find((b) => b.fileName === file);
      return bundle ? send(200, 'text/javascript', bundle.code) : send(404, 'text/plain', 'no bundle');
    }
    if (url.pathname === '/api/list-items') {
      listCalls += 1;
      return send(
        200,
        'application/json',
        JSON.stringify({
          calls: listCalls,
          items: [
            { id: 1, name: 'Apple' },
            { id: 2, name: 'Pear' },
          ],
        }),
      );
    }
    if (url.pathname === '/api/get-item') {
      const id = Number(url.searchParams.get('id'));
      return send(200, 'application/json', JSON.stringify({ id, name: names[id] ?? 'unknown' }));
    }
    if (url.pathname === '/api/fails') return send(500, 'application/json', JSON.stringify({ code: 'FUNCTION_FAILED', message: 'db down' }));
    const app = url.searchParams.has('empty') ? { version: 1, title: 'Empty', routes: [] } : blueprint;
    return send(200, 'text/html; charset=utf-8', renderShellHtml({ title: app.title, assets, blueprint: app, components, mode: 'draft' }));
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

beforeAll(async () => {
  assets = await buildAppAssets();
  const built = await Promise.all(Object.entries(sources).map(([name, code]) => buildComponent({ name, code })));
  server = await startServer(new Map(built.map((b) => [b.name, b])));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

const alerts = async (): Promise<string[]> => (await page.getByRole('alert').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());

describe('the app shell in a browser', () => {
  it('renders built-ins and a component with its bound data; broken parts show boxes, the rest works', async () => {
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { level: 2, name: 'Fruit' }).waitFor();
    await page.getByTestId('calls').getByText('List calls: 1').waitFor();
    await page.getByRole('link', { name: 'Pear' }).waitFor();
    expect(await page.title()).toBe('Home · Shop');
    const boxes = await alerts();
    expect(boxes).toContain('Component Broken failed: boom');
    expect(boxes).toContain('Component Ghost failed: this app has no component of that name.');
    expect(boxes).toContainEqual(expect.stringMatching(/^Component Unloadable failed: .*(import|fetch)/i));
    expect(boxes).toContain('Data for Failing failed: fails answered 500: db down');
    // Hooks work in a separately bundled component: one React on the page.
    await page.getByRole('button', { name: 'Clicked 0' }).click();
    await page.getByRole('button', { name: 'Clicked 1' }).waitFor();
  });

  it("reload() refetches the node's data without remounting the component", async () => {
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByTestId('calls').getByText('List calls: 2').waitFor();
    await page.getByRole('button', { name: 'Clicked 1' }).waitFor();
    // A component without bindings (a form beside a list, say) refreshes every binding on the page.
    await page.getByRole('button', { name: 'Refresh page' }).click();
    await page.getByTestId('calls').getByText('List calls: 3').waitFor();
  });

  it('navigates on the client, passing route params to bindings and components', async () => {
    await page.evaluate(() => Object.assign(window, { marker: 42 }));
    await page.getByRole('link', { name: 'Pear' }).click();
    await page.getByTestId('item').getByText('Item 2: Pear').waitFor();
    expect(new URL(page.url()).pathname).toBe('/items/2');
    expect(await page.title()).toBe('Item · Shop');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    // Back, then forward: history works both ways without a page load.
    await page.goBack();
    await page.getByRole('link', { name: 'Apple' }).waitFor();
    await page.goForward();
    await page.getByTestId('item').getByText('Item 2: Pear').waitFor();
    await page.getByRole('link', { name: 'All fruit' }).click();
    await page.getByRole('link', { name: 'Apple' }).click();
    await page.getByTestId('item').getByText('Item 1: Apple').waitFor();
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });

  it('shows a 404 view with a link home for unknown paths, and a notice for an app without pages', async () => {
    await page.goto(`${origin}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await page.getByRole('heading', { name: 'Fruit' }).waitFor();
    await page.goto(`${origin}/?empty`);
    await page.getByRole('heading', { name: 'This app has no pages yet' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
