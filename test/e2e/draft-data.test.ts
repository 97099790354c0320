import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * Draft data and live data (DESIGN.md "Draft data, live data, snapshots"): the draft has its own
 * database; a deploy applies the release's migrations to live data after a snapshot, all or nothing,
 * and asks for confirmation before it loses data.
 */
describe('draft data and live data', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const id = 'ledger';
  const api = async (method: string, route: string, body?: unknown) => {
    const res = await request(`${server.url}${route}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: res.text ? res.json() : null };
  };
  const ok = async (method: string, route: string, body?: unknown) => {
    const res = await api(method, route, body);
    if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  const tool = async (name: string, args: unknown) => (await ok('POST', `/api/tenants/${id}/tools/${name}`, args)).result;
  const origin = (mode: 'live' | 'draft') => (mode === 'live' ? server.liveUrl(id) : server.appUrl(id));
  const call = async (mode: 'live' | 'draft', method: string, fn: string, body?: unknown) => {
    const url = new URL(`api/${fn}`, origin(mode));
    const res = await request(`${server.url}${url.pathname}`, {
      method,
      host: url.host,
      headers: { authorization: `Bearer ${server.token}` },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: res.headers['content-type']?.includes('json') ? res.json() : res.text };
  };
  const entries = async (mode: 'live' | 'draft') => {
    const res = await call(mode, 'GET', 'entries');
    expect(res.status).toBe(200);
    return (res.json as Array<{ text: string }>).map((row) => row.text);
  };

  beforeAll(async () => {
    server = await startTestServer();
    await ok('POST', '/api/tenants', { id });
    await tool('updateDatabaseSchema', { sql: 'CREATE TABLE entries (id INTEGER PRIMARY KEY, text TEXT NOT NULL)' });
    await tool('createBackendFunction', {
      name: 'entries',
      code: `const db = require('@tessera/db');
module.exports = async (context) => {
  if (context.request.method === 'POST') {
    await db.execute('INSERT INTO entries (text) VALUES (?)', [context.request.body.text]);
    return { status: 201, body: { ok: true } };
  }
  return { status: 200, body: await db.query('SELECT text FROM entries ORDER BY id') };
};`,
    });
    await ok('POST', `/api/tenants/${id}/releases`, { version: '1.0.0' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('applies the release migrations to the live database on the first deploy, after a snapshot', async () => {
    const before = await ok('GET', `/api/tenants/${id}/database?database=live`);
    expect(before.version).toBe(0);
    expect(before.tables).toEqual([]);
    const deployed = await ok('POST', `/api/tenants/${id}/releases/1.0.0/deploy`, {});
    expect(deployed.migrations).toMatchObject({ from: 0, to: 1 });
    expect(deployed.migrations.snapshot).toMatch(/^\d{8}t\d{6}z-[0-9a-f]{6}$/);
    const live = await ok('GET', `/api/tenants/${id}/database?database=live`);
    expect(live.version).toBe(1);
    expect(live.tables.map((t: { name: string }) => t.name)).toEqual(['entries']);
    const snapshots = await server.platform.snapshots.list(id);
    expect(snapshots[0]).toMatchObject({ id: deployed.migrations.snapshot, reason: 'before deploy 1.0.0', release: null });
  });

  it('keeps writes through the draft origin out of live data, and the other way round', async () => {
    expect((await call('live', 'POST', 'entries', { text: 'paid rent' })).status).toBe(201);
    expect((await call('draft', 'POST', 'entries', { text: 'test row' })).status).toBe(201);
    expect(await entries('live')).toEqual(['paid rent']);
    expect(await entries('draft')).toEqual(['test row']);
    const draftRows = await ok('GET', `/api/tenants/${id}/database/tables/entries/rows`);
    expect(draftRows.rows.map((r: { text: string }) => r.text)).toEqual(['test row']);
    const liveRows = await ok('GET', `/api/tenants/${id}/database/tables/entries/rows?database=live`);
    expect(liveRows.rows.map((r: { text: string }) => r.text)).toEqual(['paid rent']);
    // The agent's sample calls use the draft too.
    const invoked = await tool('invokeFunction', { name: 'entries', request: { method: 'POST', body: { text: 'agent sample' } } });
    expect(invoked.status).toBe(201);
    expect(await entries('live')).toEqual(['paid rent']);
    expect(await entries('draft')).toEqual(['test row', 'agent sample']);
    // The row editor writes the draft's data, never live data.
    const refused = await api('POST', `/api/tenants/${id}/database/tables/entries/rows?database=live`, { values: { text: 'typed live' } });
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toMatch(/Live data is not edited from the builder/);
    await ok('POST', `/api/tenants/${id}/database/tables/entries/rows`, { values: { text: 'typed draft' } });
    expect(await entries('draft')).toEqual(['test row', 'agent sample', 'typed draft']);
    expect((await call('live', 'POST', 'entries', { text: 'typed live' })).status).toBe(201);
    expect(await entries('live')).toEqual(['paid rent', 'typed live']);
    expect((await api('GET', `/api/tenants/${id}/database?database=production`)).status).toBe(400);
  });

  it("keeps the agent's DROP TABLE in the draft, and asks before a deploy would drop live data", async () => {
    await tool('updateDatabaseSchema', { sql: 'DROP TABLE entries' });
    expect((await call('draft', 'GET', 'entries')).status).toBe(500);
    expect(await entries('live')).toEqual(['paid rent', 'typed live']);
    await ok('POST', `/api/tenants/${id}/releases`, { version: '1.1.0' });

    const refused = await api('POST', `/api/tenants/${id}/releases/1.1.0/deploy`, {});
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('CONFIRM_DATA_LOSS');
    expect(refused.json.error.message).toMatch(/table "entries" and its 2 rows would be dropped/);
    expect(refused.json.error.details.tables).toEqual([{ table: 'entries', rows: 2, lost: 'table' }]);
    // Nothing changed: the old release is live on the old schema with its data.
    expect((await ok('GET', `/api/tenants/${id}/deployments`)).live).toBe('1.0.0');
    expect((await ok('GET', `/api/tenants/${id}/database?database=live`)).version).toBe(1);
    expect(await entries('live')).toEqual(['paid rent', 'typed live']);
    expect((await api('POST', `/api/tenants/${id}/releases/1.1.0/deploy`, { confirmDataLoss: 'yes' })).status).toBe(400);

    const confirmed = await ok('POST', `/api/tenants/${id}/releases/1.1.0/deploy`, { confirmDataLoss: true });
    expect(confirmed.migrations).toMatchObject({ from: 1, to: 2 });
    expect((await ok('GET', `/api/tenants/${id}/database?database=live`)).tables).toEqual([]);

    // The snapshot taken before it brings the data back, atomically; the state before is snapshotted too.
    const restored = await server.platform.snapshots.restore(id, confirmed.migrations.snapshot, 'test');
    expect(restored.before.reason).toBe(`before restore of ${confirmed.migrations.snapshot}`);
    expect(await entries('live')).toEqual(['paid rent', 'typed live']);
    expect((await ok('GET', `/api/tenants/${id}/database?database=live`)).version).toBe(1);
  });

  it('refuses a rebuild that loses rows, and lets a harmless migration through', async () => {
    // Redeploying 1.0.0 needs nothing: live is at its migration already.
    await tool('updateDatabaseSchema', { sql: 'CREATE TABLE entries (id INTEGER PRIMARY KEY, text TEXT NOT NULL)' });
    await tool('updateDatabaseSchema', { sql: 'ALTER TABLE entries ADD COLUMN amount INTEGER' });
    await ok('POST', `/api/tenants/${id}/releases`, { version: '1.2.0' });
    // Live is at 1 and restored; release 1.2.0 has migrations 2 (drop), 3 (create), 4 (add column):
    // dropping and creating again empties the table, which is a loss of rows.
    const refused = await api('POST', `/api/tenants/${id}/releases/1.2.0/deploy`, {});
    expect(refused.status).toBe(409);
    expect(refused.json.error.details.tables).toEqual([{ table: 'entries', rows: 2, lost: 'rows', rowsAfter: 0 }]);
    expect((await ok('GET', `/api/tenants/${id}/database?database=live`)).version).toBe(1);
  });

  it("refreshes the draft's data from live, keeping the draft's newer schema", async () => {
    expect(await entries('draft')).toEqual([]);
    const refreshed = await ok('POST', `/api/tenants/${id}/database/refresh-draft`, {});
    // The live copy is at 1: migrations 2-4 of the draft replay on it (2 drops, 3 creates, 4 adds a column).
    expect(refreshed).toEqual({ version: 4, replayed: 3 });
    const draft = await ok('GET', `/api/tenants/${id}/database`);
    expect(draft.tables[0].columns.map((c: { name: string }) => c.name)).toEqual(['id', 'text', 'amount']);
    expect(await entries('live')).toEqual(['paid rent', 'typed live']);
  });

  it('refreshes the draft by copying live data when the draft schema keeps the rows', async () => {
    await tool('updateDatabaseSchema', { sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)' });
    await ok('POST', `/api/tenants/${id}/releases`, { version: '1.3.0' });
    // 1.3.0 still empties "entries" (migrations 2 and 3), so the owner confirms.
    const deployed = await ok('POST', `/api/tenants/${id}/releases/1.3.0/deploy`, { confirmDataLoss: true });
    expect(deployed.migrations).toMatchObject({ from: 1, to: 5 });
    expect((await call('live', 'POST', 'entries', { text: 'after 1.3.0' })).status).toBe(201);
    const refreshed = await ok('POST', `/api/tenants/${id}/database/refresh-draft`, {});
    expect(refreshed).toEqual({ version: 5, replayed: 0 });
    expect(await entries('draft')).toEqual(['after 1.3.0']);
    expect((await call('draft', 'POST', 'entries', { text: 'draft only' })).status).toBe(201);
    expect(await entries('live')).toEqual(['after 1.3.0']);
  });
});
