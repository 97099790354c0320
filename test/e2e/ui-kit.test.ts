import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from '../support/browser.ts';

/** `@tessera/ui` in real apps: placed by the blueprint alone, and imported by tenant components. */

const example = (file: string) => readFileSync(new URL(`../../examples/dashboard/${file}`, import.meta.url), 'utf8');

const fixture = useServerAndBrowser();

async function call(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${fixture.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function api(path: string, body: unknown): Promise<any> {
  const { status, json } = await call(path, body);
  expect(status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

/** A page made of kit parts only: no tenant component at all. */
const kitOnly = {
  version: 1,
  title: 'Orders',
  theme: { primary: '#0f766e' },
  routes: [
    {
      path: '/',
      title: 'Orders',
      root: {
        component: 'ui.AppLayout',
        props: {
          title: 'Orders',
          nav: [
            { to: '/', label: 'All orders' },
            { to: '/help', label: 'Help' },
          ],
        },
        children: [
          {
            component: 'ui.Card',
            props: { title: 'New order' },
            children: [
              {
                component: 'ui.Form',
                props: {
                  action: 'orders',
                  submitLabel: 'Add order',
                  successMessage: 'Order added',
                  fields: [
                    { name: 'customer', label: 'Customer' },
                    { name: 'product', label: 'Product', type: 'select', options: ['Notebook', 'Ink set'] },
                    { name: 'amount', label: 'Amount', type: 'number' },
                  ],
                },
              },
            ],
          },
          {
            component: 'ui.Table',
            props: {
              pageSize: 5,
              columns: [
                { key: 'customer', label: 'Customer', sortable: true },
                { key: 'amount', label: 'Amount', sortable: true, format: 'number' },
              ],
            },
            data: { rows: { function: 'orders' } },
          },
        ],
      },
    },
    {
      path: '/help',
      title: 'Help',
      root: {
        component: 'ui.AppLayout',
        props: {
          title: 'Orders',
          nav: [
            { to: '/', label: 'All orders' },
            { to: '/help', label: 'Help' },
          ],
        },
        children: [
          {
            component: 'ui.Tabs',
            props: { tabs: ['Getting started', 'FAQ'] },
            children: [
              { component: 'ui.EmptyState', props: { title: 'No help yet' } },
              { component: 'ui.Card', props: { title: 'Questions', children: 'Ask us anything.' } },
            ],
          },
        ],
      },
    },
  ],
};

describe('the UI kit', () => {
  it('builds a page from the blueprint alone: layout, navigation, a sortable paged table, and a form that shows field errors', async () => {
    await api('/api/tenants', { id: 'kitonly' });
    await api('/api/tenants/kitonly/tools/updateDatabaseSchema', { sql: example('schema.sql') });
    await api('/api/tenants/kitonly/tools/createBackendFunction', { name: 'orders', code: example('orders.js') });
    // ui.Form's action is a function reference, checked like a data binding.
    const missing = await call('/api/tenants/kitonly/tools/updateUILayout', {
      blueprint: { ...kitOnly, routes: [{ path: '/', root: { component: 'ui.Form', props: { action: 'no-such-fn' } } }] },
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error.details.missingFunctions).toEqual(['no-such-fn']);
    const unknown = await call('/api/tenants/kitonly/tools/updateUILayout', {
      blueprint: { version: 1, routes: [{ path: '/', root: { component: 'ui.Carousel' } }] },
    });
    expect(unknown.json.error.message).toContain('is not a part of the UI kit');
    await api('/api/tenants/kitonly/tools/updateUILayout', { blueprint: kitOnly });

    const page = await fixture.browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && !msg.text().includes('422') && problems.push(msg.text()));
    await page.goto(await fixture.server.previewLink('kitonly'));

    // Layout and navigation, the current page marked.
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await page.getByRole('link', { name: 'All orders' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByRole('link', { name: 'Help' }).getAttribute('aria-current')).toBeNull();

    // The table: 12 seeded rows, pages of 5, sorted by a click on a header.
    const table = page.getByRole('table');
    const firstCustomer = () => table.locator('tbody tr').first().locator('td').first().textContent();
    await page.getByText('Page 1 of 3').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(5);
    await table.getByRole('button', { name: /Customer/ }).click();
    expect(await table.getByRole('columnheader', { name: /Customer/ }).getAttribute('aria-sort')).toBe('ascending');
    expect(await firstCustomer()).toBe('Ada Lovelace');
    await table.getByRole('button', { name: /Customer/ }).click();
    expect(await firstCustomer()).toBe('Radia Perlman');
    await table.getByRole('button', { name: /Amount/ }).click();
    expect(await table.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe('12.25');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 3').waitFor();

    // The form: the function answers 422 with field errors, shown under their fields.
    await page.getByLabel('Customer').fill('A');
    await page.getByRole('button', { name: 'Add order' }).click();
    await page.getByText("Enter the customer's name.").waitFor();
    await page.getByText('The amount must be more than 0.').waitFor();
    await page.getByRole('alert').filter({ hasText: 'The order was not saved.' }).waitFor();
    const customer = page.getByLabel('Customer');
    expect(await customer.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await customer.getAttribute('aria-describedby'))!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe("Enter the customer's name.");
    // The theme's danger colour marks the invalid field.
    // (Polled: the colour eases in with a transition.)
    await expect.poll(() => customer.evaluate((el) => getComputedStyle(el).borderTopColor)).toBe('rgb(220, 38, 38)');

    // Fixed: saved, a toast, the table's binding fetched again (13 rows), the errors gone.
    await customer.fill('Tim Berners-Lee');
    await page.getByLabel('Product').selectOption('Ink set');
    await page.getByLabel('Amount').fill('30');
    await page.getByRole('button', { name: 'Add order' }).click();
    await page.getByRole('status').filter({ hasText: 'Order added' }).waitFor();
    await page.getByText('of 13').waitFor();
    expect(await page.getByText("Enter the customer's name.").count()).toBe(0);
    expect(await customer.inputValue()).toBe('');

    // Kit buttons follow the theme.
    expect(await page.getByRole('button', { name: 'Add order' }).evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(15, 118, 110)');

    // Client-side navigation moves the current-page mark.
    await page.getByRole('link', { name: 'Help' }).click();
    await page.getByRole('heading', { name: 'No help yet' }).waitFor();
    expect(await page.getByRole('link', { name: 'Help' }).getAttribute('aria-current')).toBe('page');
    // Tabs: child node i is panel i; arrow keys move the selection and the focus.
    const first = page.getByRole('tab', { name: 'Getting started' });
    expect(await first.getAttribute('aria-selected')).toBe('true');
    await first.focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'FAQ' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('FAQ');
    await page.getByRole('tabpanel', { name: 'FAQ' }).getByText('Ask us anything.').waitFor();
    expect(await page.getByRole('heading', { name: 'No help yet' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('is imported by tenant components: checked by a server render, one kit bundle per page, one React', async () => {
    await api('/api/tenants', { id: 'kitcomp' });
    const summary = `import { useState } from 'react';
import { Badge, Button, Card, Dialog } from '@tessera/ui';
export default function Summary({ items = [] }: { items?: string[] }) {
  const [count, setCount] = useState(0);
  return (
    <Card title="Summary" footer={<Button onClick={() => setCount(count + 1)}>Clicked {count}</Button>}>
      <ul className="flex gap-2">{items.map((item) => <li key={item}><Badge variant="success">{item}</Badge></li>)}</ul>
      <Dialog title="Details" triggerLabel="Show details"><p data-testid="dialog-body">{items.length} items</p></Dialog>
    </Card>
  );
}`;
    const created = await api('/api/tenants/kitcomp/tools/createFrontendComponent', { name: 'Summary', code: summary, sampleProps: { items: ['a', 'b'] } });
    expect(created.result.verification).toMatchObject({ rendered: true, props: 'sample' });
    // The server render really renders the kit: a kit part that throws fails the call.
    const throwing = await call('/api/tenants/kitcomp/tools/createFrontendComponent', {
      name: 'Bad',
      code: "import { Table } from '@tessera/ui';\nexport default function Bad() { return <Table columns={[{ key: 'a', label: 'A' }]} rows={[{ a: 1 }]} render={{ a: () => { throw new Error('no number'); } }} />; }",
      sampleProps: {},
    });
    expect(throwing.status).toBe(400);
    expect(throwing.json.error.code).toBe('RENDER_FAILED');
    expect(throwing.json.error.message).toContain('no number');
    await api('/api/tenants/kitcomp/tools/createFrontendComponent', {
      name: 'Other',
      code: 'import { Spinner } from \'@tessera/ui\';\nexport default function Other() { return <div className="p-2"><Spinner label="Loading other" /></div>; }',
    });
    await api('/api/tenants/kitcomp/tools/updateUILayout', {
      blueprint: {
        version: 1,
        routes: [
          {
            path: '/',
            root: {
              component: 'Stack',
              children: [
                { component: 'Summary', props: { items: ['red', 'green'] } },
                { component: 'Other' },
                { component: 'ui.Button', props: { children: 'Kit button' } },
              ],
            },
          },
        ],
      },
    });

    const page = await fixture.browser.newPage();
    page.setDefaultTimeout(8000);
    const kitRequests: string[] = [];
    page.on('request', (req) => /\/_tessera\/assets\/tessera-ui-[A-Z0-9]+\.js$/.test(req.url()) && kitRequests.push(req.url()));
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(await fixture.server.previewLink('kitcomp'));
    await page.getByText('green').waitFor();
    await page.getByRole('status', { name: 'Loading other' }).waitFor();
    await page.getByRole('button', { name: 'Kit button' }).waitFor();
    // Hooks in a kit part inside a separately bundled component: one React on the page.
    await page.getByRole('button', { name: 'Clicked 0' }).click();
    await page.getByRole('button', { name: 'Clicked 1' }).waitFor();
    await page.getByRole('button', { name: 'Show details' }).click();
    await page.getByRole('dialog', { name: 'Details' }).waitFor();
    expect(await page.getByTestId('dialog-body').textContent()).toBe('2 items');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(kitRequests).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});
