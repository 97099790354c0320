import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openBuilderAs } from '../support/browser.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * The builder's Database section from outside, in Chromium: a migration from the SQL editor, a
 * half-failing one refused with nothing changed, a table and a column from the designer, rows added,
 * edited and deleted, and a viewer who can look but not change. Screenshots go to docs/screenshots/.
 */
const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');
mkdirSync(screenshots, { recursive: true });

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function api(route: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const res = await fetch(`${server.url}${route}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}
const tableNames = async () => (await api('/api/tenants/shop/database')).tables.map((t: { name: string }) => t.name);
const commitCount = async () => (await api('/api/tenants/shop/commits')).commits.length;

beforeAll(async () => {
  server = await startTestServer();
  await api('/api/tenants', { body: { id: 'shop' } });
  await api('/api/users', { body: { id: 'vera', password: 'vera-viewer-password' } });
  await api('/api/tenants/shop/members/vera', { method: 'PUT', body: { role: 'viewer', direct: true } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${server.url}/?token=${server.token}`);
  await page.goto(`${server.url}/?app=shop`);
  await page.getByRole('tab', { name: 'Database' }).click();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the Database section', () => {
  it('applies a migration from the SQL editor as one numbered migration and one commit', async () => {
    const commits = await commitCount();
    await page.getByRole('tab', { name: 'SQL editor' }).click();
    const editor = page.getByLabel('Migration SQL');
    await editor.fill('CREATE TABLE customers (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);');
    await page.getByRole('button', { name: 'Apply migration' }).click();
    await page.getByRole('status').getByText('Applied migration 1 (1 statement) as migrations/0001_create_table_customers.sql').waitFor();
    expect(await tableNames()).toEqual(['customers']);
    expect(await commitCount()).toBe(commits + 1);
    expect((await api('/api/tenants/shop/commits')).commits[0].message).toMatch(/^Migration 1: 1 statement/);
    // The new table is offered for completion.
    await editor.fill('');
    await page.keyboard.type('SELECT * FROM cust');
    await page.locator('.cm-tooltip-autocomplete').getByText('customers').waitFor();
    await page.keyboard.press('Escape');
  });

  it('refuses a half-failing migration with nothing changed, marking the failing statement', async () => {
    const commits = await commitCount();
    const editor = page.getByLabel('Migration SQL');
    await editor.fill('CREATE TABLE half_done (x INTEGER);\n\nINSERT INTO no_such_table VALUES (1);');
    await page.getByRole('button', { name: 'Apply migration' }).click();
    await page.getByRole('alert').getByText('Statement 2 of 2 failed: no such table: no_such_table. Nothing was applied.', { exact: false }).waitFor();
    // The marker is on the second statement (line 3), in the text and the gutter.
    await page.locator('.code-editor[data-problems="1"]').waitFor();
    const marked = page.locator('.cm-lintRange-error');
    await marked.first().waitFor();
    expect(await marked.first().textContent()).toBe('INSERT INTO no_such_table VALUES (1);');
    await page.locator('.cm-lint-marker-error').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'database-sql-editor.png') });
    expect(await tableNames()).toEqual(['customers']);
    expect(await commitCount()).toBe(commits);
    expect((await api('/api/tenants/shop/database')).version).toBe(1);
    await page.getByRole('tab', { name: 'Schema' }).click();
    await page.getByLabel('Table customers').waitFor();
    expect(await page.getByLabel('Table half_done').count()).toBe(0);
    // The migrations list loads after the tables: wait for it before counting.
    await page.getByLabel('Migrations').getByRole('listitem').first().waitFor();
    expect(await page.getByLabel('Migrations').getByRole('listitem').count()).toBe(1);
  });

  it('designs a table, a column and an index, showing the DDL before applying it', async () => {
    await page.getByRole('tab', { name: 'Designer' }).click();
    await page.getByLabel('Table name').fill('bad name');
    await page.getByLabel('Designer problem').getByText('may hold only letters, digits and underscores').waitFor();
    expect(await page.getByRole('button', { name: 'Apply', exact: true }).isDisabled()).toBe(true);
    await page.getByLabel('Table name').fill('orders');
    const second = page.getByRole('group', { name: 'Column 2' });
    await second.getByLabel('Column name').fill('customer_id');
    await second.getByLabel('Type').selectOption('INTEGER');
    await second.getByLabel('not null').check();
    await second.getByLabel('References').selectOption('customers.id');
    await second.getByLabel('On delete').selectOption('CASCADE');
    await page.getByRole('button', { name: '+ Column' }).click();
    const third = page.getByRole('group', { name: 'Column 3' });
    await third.getByLabel('Column name').fill('total');
    await third.getByLabel('Type').selectOption('REAL');
    await third.getByLabel('Default').fill('0');
    const ddl = page.getByLabel('DDL to run');
    await ddl.getByText('"customer_id" INTEGER NOT NULL REFERENCES "customers" ("id") ON DELETE CASCADE', { exact: false }).waitFor();
    expect(await ddl.textContent()).toBe(
      'CREATE TABLE "orders" (\n  "id" INTEGER PRIMARY KEY,\n  "customer_id" INTEGER NOT NULL REFERENCES "customers" ("id") ON DELETE CASCADE,\n  "total" REAL DEFAULT 0\n);',
    );
    await page.screenshot({ path: path.join(screenshots, 'database-designer.png') });
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByRole('status').getByText('Applied as migration 2').waitFor();

    await page.getByLabel('Add a column').check();
    await page.getByLabel('Table', { exact: true }).selectOption('customers');
    const column = page.getByRole('group', { name: 'New column' });
    await column.getByLabel('Column name').fill('visits');
    await column.getByLabel('Type').selectOption('INTEGER');
    await column.getByLabel('not null').check();
    await column.getByLabel('Default').fill('0');
    expect(await page.getByLabel('DDL to run').textContent()).toBe('ALTER TABLE "customers" ADD COLUMN "visits" INTEGER NOT NULL DEFAULT 0;');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByRole('status').getByText('Applied as migration 3').waitFor();

    await page.getByLabel('Add an index').check();
    await page.getByLabel('Table', { exact: true }).selectOption('orders');
    await page.getByRole('group', { name: 'Index columns' }).getByLabel('total').check();
    expect(await page.getByLabel('DDL to run').textContent()).toBe('CREATE INDEX "orders_total" ON "orders" ("total");');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByRole('status').getByText('Applied as migration 4').waitFor();

    const { tables } = await api('/api/tenants/shop/database');
    expect(tables.map((t: { name: string }) => t.name)).toEqual(['customers', 'orders']);
    expect(tables[0].columns.map((c: { name: string }) => c.name)).toEqual(['id', 'email', 'visits']);
    expect(tables[1].indexes).toEqual([{ name: 'orders_total', unique: false, origin: 'index', columns: ['total'] }]);
    expect(tables[1].foreignKeys).toEqual([{ columns: ['customer_id'], references: { table: 'customers', columns: ['id'] }, onDelete: 'CASCADE' }]);
  });

  it('lists the schema with keys and indexes, and each migration with its commit', async () => {
    await page.getByRole('tab', { name: 'Schema' }).click();
    const orders = page.getByLabel('Columns of orders');
    await orders.getByText('→ customers.id').waitFor();
    await page.getByLabel('Indexes of customers').getByText('unique constraint on (email)').waitFor();
    const migrations = page.getByLabel('Migrations').getByRole('listitem');
    await page.getByLabel('Indexes of orders').getByText('index orders_total on (total)').waitFor();
    await migrations.nth(3).waitFor();
    expect(await migrations.allTextContents()).toEqual([
      expect.stringMatching(/^migrations\/0004_create_index_orders_total\.sql[0-9a-f]{10} Migration 4: 1 statement \(create index orders total\) in History$/),
      expect.stringMatching(/^migrations\/0003_alter_table_customers\.sql[0-9a-f]{10} Migration 3: 1 statement \(alter table customers\) in History$/),
      expect.stringMatching(/^migrations\/0002_create_table_orders\.sql[0-9a-f]{10} Migration 2: 1 statement \(create table orders\) in History$/),
      expect.stringMatching(/^migrations\/0001_create_table_customers\.sql[0-9a-f]{10} Migration 1: 1 statement \(create table customers\) in History$/),
    ]);
    await page.screenshot({ path: path.join(screenshots, 'database-schema.png'), fullPage: true });
    await migrations.first().getByRole('button', { name: 'in History' }).click();
    await page.getByLabel('Commits').getByText('Migration 4: 1 statement', { exact: false }).waitFor();
    await page.getByRole('tab', { name: 'Database' }).click();
  });

  it('adds, edits and deletes rows, a refused change showing its error on the row', async () => {
    await page.getByRole('button', { name: 'Browse customers' }).click();
    const rows = page.getByLabel('Rows of customers');
    const fresh = rows.getByRole('row', { name: 'New row' });
    for (const email of ['ann@example.test', 'bob@example.test', 'cy@example.test']) {
      await fresh.getByLabel('email').fill(email);
      await fresh.getByRole('button', { name: 'Add row' }).click();
      await rows.getByRole('cell', { name: email }).waitFor();
    }
    expect(await fresh.getByLabel('visits').getAttribute('type')).toBe('number');
    // A duplicate: refused on the new row, nothing added.
    await fresh.getByLabel('email').fill('ann@example.test');
    await fresh.getByRole('button', { name: 'Add row' }).click();
    await rows.getByRole('alert').getByText('UNIQUE constraint failed: customers.email', { exact: false }).waitFor();
    expect((await api('/api/tenants/shop/database/tables/customers/rows')).rows).toHaveLength(3);
    await fresh.getByLabel('email').fill('');

    await rows.getByRole('button', { name: 'Edit row 2' }).click();
    const second = rows.getByRole('row', { name: 'Row 2' });
    await second.getByLabel('email').fill('bea@example.test');
    await second.getByLabel('visits').fill('7');
    await second.getByRole('button', { name: 'Save' }).click();
    await rows.getByRole('cell', { name: 'bea@example.test' }).waitFor();
    // Editing a row into a duplicate: the error shows under that row, the row keeps its value.
    await rows.getByRole('button', { name: 'Edit row 3' }).click();
    await rows.getByRole('row', { name: 'Row 3' }).getByLabel('email').fill('bea@example.test');
    await rows.getByRole('row', { name: 'Row 3' }).getByRole('button', { name: 'Save' }).click();
    await rows.getByRole('alert').getByText('UNIQUE constraint failed', { exact: false }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'database-rows.png') });
    await rows.getByRole('row', { name: 'Row 3' }).getByRole('button', { name: 'Cancel' }).click();

    page.once('dialog', (dialog) => void dialog.accept());
    await rows.getByRole('button', { name: 'Delete row 1' }).click();
    await rows.getByRole('cell', { name: 'ann@example.test' }).waitFor({ state: 'detached' });
    expect((await api('/api/tenants/shop/database/tables/customers/rows')).rows).toEqual([
      { id: 2, email: 'bea@example.test', visits: 7 },
      { id: 3, email: 'cy@example.test', visits: 0 },
    ]);
    expect(pageErrors).toEqual([]);
  });

  it('lets a viewer read the schema and rows, with the controls that change them disabled', async () => {
    const { context, page: viewer } = await openBuilderAs(browser, server.url, 'vera', 'vera-viewer-password', 'shop');
    try {
      await viewer.getByRole('tab', { name: 'Database' }).click();
      await viewer.getByLabel('Columns of orders').waitFor();
      await viewer.getByRole('tab', { name: 'SQL editor' }).click();
      expect(await viewer.getByRole('button', { name: 'Apply migration' }).isDisabled()).toBe(true);
      await viewer.getByRole('tab', { name: 'Designer' }).click();
      expect(await viewer.getByRole('button', { name: 'Apply', exact: true }).isDisabled()).toBe(true);
      await viewer.getByRole('tab', { name: 'Rows' }).click();
      await viewer.getByLabel('Rows of customers').getByRole('cell', { name: 'bea@example.test' }).waitFor();
      expect(await viewer.getByRole('button', { name: 'Add row' }).count()).toBe(0);
      expect(await viewer.getByRole('button', { name: /^(Edit|Delete) row/ }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
