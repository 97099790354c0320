import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../support/credentials.ts';
import { request, type SimpleResponse } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * The row editor's routes: insert, update and delete one row of an app's table at a time, names
 * checked against the schema, values bound, a constraint violation refused with nothing changed,
 * and viewers refused. Also the schema the Database section lists (keys and indexes).
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let viewer: string;

function call(route: string, init: { method?: string; body?: unknown; credential?: string } = {}): Promise<SimpleResponse> {
  const credential = init.credential ?? server.token;
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return request(`${server.url}${route}`, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    // Node sends a DELETE's body without a length unless told one (browsers always send it).
    headers: { ...ANONYMOUS, authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
    ...(body === undefined ? {} : { body }),
  });
}
const ROWS = '/api/tenants/shop/database/tables';
const rowsOf = async (table: string) => (await call(`${ROWS}/${table}/rows?rowid=1`)).json().rows;

beforeAll(async () => {
  server = await startTestServer();
  expect((await call('/api/tenants', { body: { id: 'shop' } })).status).toBe(201);
  const schema = await call('/api/tenants/shop/tools/updateDatabaseSchema', {
    body: {
      sql: `CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, vip INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE, total REAL);
            CREATE INDEX orders_by_customer ON orders (customer_id);
            CREATE TABLE "odd ""name""" (label TEXT);`,
    },
  });
  expect(schema.status, schema.text).toBe(200);
  const made = await call('/api/users', { body: { id: 'vera', password: 'vera-viewer-password' } });
  expect(made.status, made.text).toBe(201);
  expect((await call('/api/tenants/shop/members/vera', { method: 'PUT', body: { role: 'viewer', direct: true } })).status).toBe(200);
  const signedIn = await request(`${server.url}/api/auth/password`, {
    method: 'POST',
    headers: ANONYMOUS,
    body: JSON.stringify({ login: 'vera', password: 'vera-viewer-password' }),
  });
  expect(signedIn.status).toBe(200);
  const token = await request(`${server.url}/api/tokens`, {
    method: 'POST',
    headers: { ...ANONYMOUS, cookie: String(signedIn.headers['set-cookie']).split(';')[0]! },
    body: JSON.stringify({ name: 'test' }),
  });
  viewer = token.json().token;
});
afterAll(() => server?.close());

describe('the schema as the Database section lists it', () => {
  it('describes columns, foreign keys and indexes', async () => {
    const { tables } = (await call('/api/tenants/shop/database')).json();
    const customers = tables.find((t: { name: string }) => t.name === 'customers');
    expect(customers.columns).toEqual([
      { name: 'id', type: 'INTEGER', notNull: false, defaultValue: null, primaryKey: true },
      { name: 'email', type: 'TEXT', notNull: true, defaultValue: null, primaryKey: false },
      { name: 'vip', type: 'INTEGER', notNull: true, defaultValue: '0', primaryKey: false },
    ]);
    expect(customers.indexes).toEqual([{ name: 'sqlite_autoindex_customers_1', unique: true, origin: 'unique', columns: ['email'] }]);
    const orders = tables.find((t: { name: string }) => t.name === 'orders');
    expect(orders.foreignKeys).toEqual([{ columns: ['customer_id'], references: { table: 'customers', columns: ['id'] }, onDelete: 'CASCADE' }]);
    expect(orders.indexes).toEqual([{ name: 'orders_by_customer', unique: false, origin: 'index', columns: ['customer_id'] }]);
  });
});

describe('row editing', () => {
  it('inserts, updates and deletes a row, each one statement with bound values', async () => {
    const inserted = await call(`${ROWS}/customers/rows`, { body: { values: { email: "o'brien@example.test", vip: true } } });
    expect(inserted.status, inserted.text).toBe(201);
    expect(inserted.json()).toEqual({ changes: 1, row: { id: 1, email: "o'brien@example.test", vip: 1 } });
    const defaults = await call(`${ROWS}/customers/rows`, { body: { values: { email: 'ann@example.test' } } });
    expect(defaults.json().row).toEqual({ id: 2, email: 'ann@example.test', vip: 0 });

    const updated = await call(`${ROWS}/customers/rows`, { method: 'PATCH', body: { key: { id: 2 }, values: { vip: 1, email: 'ann@example.org' } } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json()).toEqual({ changes: 1, row: { id: 2, email: 'ann@example.org', vip: 1 } });

    const deleted = await call(`${ROWS}/customers/rows`, { method: 'DELETE', body: { key: { id: 1 } } });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.json()).toEqual({ changes: 1 });
    expect(await rowsOf('customers')).toEqual([{ id: 2, email: 'ann@example.org', vip: 1 }]);
    const gone = await call(`${ROWS}/customers/rows`, { method: 'DELETE', body: { key: { id: 1 } } });
    expect(gone.status).toBe(404);
    expect(gone.json().error.message).toContain('No row of "customers" with id = 1');
  });

  it('names a row of a table without a primary key by its rowid, and quotes odd names', async () => {
    const table = encodeURIComponent('odd "name"');
    expect((await call(`${ROWS}/${table}/rows`, { body: { values: { label: 'a' } } })).status).toBe(201);
    expect((await call(`${ROWS}/${table}/rows`, { body: { values: { label: 'b' } } })).status).toBe(201);
    expect(await rowsOf(table)).toEqual([
      { rowid: 1, label: 'a' },
      { rowid: 2, label: 'b' },
    ]);
    expect((await call(`${ROWS}/${table}/rows`, { method: 'PATCH', body: { key: { rowid: 2 }, values: { label: 'B' } } })).json().row).toEqual({ label: 'B' });
    expect((await call(`${ROWS}/${table}/rows`, { method: 'DELETE', body: { key: { rowid: 1 } } })).status).toBe(200);
    expect(await rowsOf(table)).toEqual([{ rowid: 2, label: 'B' }]);
    // A key that is not the whole primary key could name several rows: refused.
    const partial = await call(`${ROWS}/customers/rows`, { method: 'DELETE', body: { key: { email: 'ann@example.org' } } });
    expect(partial.status).toBe(400);
    expect(partial.json().error.message).toContain('a row of "customers" is named by "id"');
  });

  it('refuses a constraint violation with a clear 400 and changes nothing', async () => {
    const before = await rowsOf('customers');
    const duplicate = await call(`${ROWS}/customers/rows`, { body: { values: { email: 'ann@example.org' } } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json().error).toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('UNIQUE constraint failed: customers.email') });
    const missing = await call(`${ROWS}/customers/rows`, { method: 'PATCH', body: { key: { id: 2 }, values: { email: null } } });
    expect(missing.json().error).toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('NOT NULL constraint failed') });
    const orphan = await call(`${ROWS}/orders/rows`, { body: { values: { customer_id: 99, total: 5 } } });
    expect(orphan.json().error).toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('FOREIGN KEY constraint failed') });
    expect(await rowsOf('customers')).toEqual(before);
    expect(await rowsOf('orders')).toEqual([]);
  });

  it('refuses an unknown table or column, and a body that does not fit', async () => {
    const table = await call(`${ROWS}/nope/rows`, { body: { values: { a: 1 } } });
    expect(table.status).toBe(404);
    expect(table.json().error.message).toContain('No table "nope"');
    const column = await call(`${ROWS}/customers/rows`, { body: { values: { email: 'x@example.test', 'id" = 1; --': 1 } } });
    expect(column.status).toBe(400);
    expect(column.json().error).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringContaining('has no column "id" = 1; --"') });
    const shape = await call(`${ROWS}/customers/rows`, { body: { values: { email: { nested: true } } } });
    expect(shape.status).toBe(400);
    expect(shape.json().error.details.problems[0].message).toMatch(/^values\.email: /);
    expect(await rowsOf('customers')).toEqual([{ id: 2, email: 'ann@example.org', vip: 1 }]);
  });

  it('lets a viewer read the rows but not change them', async () => {
    expect((await call(`${ROWS}/customers/rows`, { credential: viewer })).status).toBe(200);
    for (const [method, body] of [
      ['POST', { values: { email: 'v@example.test' } }],
      ['PATCH', { key: { id: 2 }, values: { vip: 0 } }],
      ['DELETE', { key: { id: 2 } }],
    ] as const) {
      const refused = await call(`${ROWS}/customers/rows`, { method, body, credential: viewer });
      expect(refused.status, `${method} ${refused.text}`).toBe(403);
    }
    expect(await rowsOf('customers')).toEqual([{ id: 2, email: 'ann@example.org', vip: 1 }]);
    const audit = (await call('/api/tenants/shop/audit')).json();
    const actions = audit.entries.map((e: { action: string; outcome?: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['row.insert', 'row.update', 'row.delete']));
  });
});
