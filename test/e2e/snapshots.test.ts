import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../support/credentials.ts';
import { request, type SimpleResponse } from '../support/http.ts';
import { createTestPlatform, startTestServer, type TestPlatform } from '../support/platform.ts';

/**
 * Snapshots of live data (DESIGN.md "Draft data, live data, snapshots"): the owners' routes (list,
 * take, restore), the periodic ones taken only when the data changed, and the retention's pruning.
 */
describe('the snapshot routes', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const id = 'till';
  const credentials: Record<'viewer' | 'editor', string> = { viewer: '', editor: '' };

  function call(route: string, init: { method?: string; body?: unknown; credential?: string } = {}): Promise<SimpleResponse> {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    return request(`${server.url}${route}`, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { ...ANONYMOUS, authorization: `Bearer ${init.credential ?? server.token}` },
      ...(body === undefined ? {} : { body }),
    });
  }
  /** The live data, read and written as the app's functions do (through its db process). */
  const live = {
    rows: async (): Promise<string[]> =>
      (await server.platform.dbPool.get(id, 'live').query('SELECT item FROM sales ORDER BY id')).map((row) => String(row.item)),
    add: (item: string) => server.platform.dbPool.get(id, 'live').execute('INSERT INTO sales (item) VALUES (?)', [item]),
  };

  async function member(user: string, role: 'viewer' | 'editor'): Promise<string> {
    const password = `${user}-password-long-enough`;
    expect((await call('/api/users', { body: { id: user, password } })).status).toBe(201);
    expect((await call(`/api/tenants/${id}/members/${user}`, { method: 'PUT', body: { role, direct: true } })).status).toBe(200);
    const signedIn = await request(`${server.url}/api/auth/password`, { method: 'POST', headers: ANONYMOUS, body: JSON.stringify({ login: user, password }) });
    const token = await request(`${server.url}/api/tokens`, {
      method: 'POST',
      headers: { ...ANONYMOUS, cookie: String(signedIn.headers['set-cookie']).split(';')[0]! },
      body: JSON.stringify({ name: 'test' }),
    });
    return token.json().token;
  }

  beforeAll(async () => {
    server = await startTestServer({ SNAPSHOT_INTERVAL_MS: '0' });
    expect((await call('/api/tenants', { body: { id } })).status).toBe(201);
    const schema = await call(`/api/tenants/${id}/tools/updateDatabaseSchema`, {
      body: { sql: 'CREATE TABLE sales (id INTEGER PRIMARY KEY, item TEXT NOT NULL)' },
    });
    expect(schema.status, schema.text).toBe(200);
    expect((await call(`/api/tenants/${id}/releases`, { body: { version: '1.0.0' } })).status).toBe(201);
    expect((await call(`/api/tenants/${id}/releases/1.0.0/deploy`, { body: {} })).status).toBe(200);
    credentials.viewer = await member('vic', 'viewer');
    credentials.editor = await member('eda', 'editor');
  });
  afterAll(() => server?.close());

  it('takes a snapshot by hand (201) and lists it with the release live then, newest first', async () => {
    await live.add('tea');
    const taken = await call(`/api/tenants/${id}/snapshots`, { body: { reason: 'before the price change' } });
    expect(taken.status, taken.text).toBe(201);
    const snapshot = taken.json();
    expect(snapshot).toMatchObject({ reason: 'before the price change', release: '1.0.0', takenBy: 'admin' });
    expect(snapshot.id).toMatch(/^\d{8}t\d{6}z-[0-9a-f]{6}$/);
    expect(snapshot.bytes).toBeGreaterThan(0);
    expect(Date.parse(snapshot.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(existsSync(server.platform.snapshots.fileOf(id, snapshot.id))).toBe(true);
    // Without a reason it is "manual".
    const plain = await call(`/api/tenants/${id}/snapshots`, { body: {} });
    expect(plain.status, plain.text).toBe(201);
    expect(plain.json().reason).toBe('manual');

    const list = await call(`/api/tenants/${id}/snapshots`);
    expect(list.status).toBe(200);
    const listed = list.json() as Array<{ id: string; at: string; reason: string; release: string | null; bytes: number }>;
    expect(listed.map((s) => s.reason)).toEqual(['manual', 'before the price change', 'before deploy 1.0.0']);
    expect(Object.keys(listed[0]!).sort()).toEqual(['at', 'bytes', 'id', 'reason', 'release', 'takenBy']);
    expect(listed[2]!.release).toBeNull();
  });

  it('refuses bad bodies with 400 and changes nothing', async () => {
    const before = (await call(`/api/tenants/${id}/snapshots`)).json().length;
    for (const body of [{ reason: '' }, { reason: 42 }, { reason: 'x'.repeat(201) }, { reason: 'ok', extra: 1 }]) {
      const res = await call(`/api/tenants/${id}/snapshots`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_ARGUMENTS');
    }
    expect((await call(`/api/tenants/${id}/snapshots`)).json().length).toBe(before);
  });

  it('restores a snapshot: the data comes back, the state before is snapshotted, and it is audited', async () => {
    const [snapshot] = (await call(`/api/tenants/${id}/snapshots`)).json();
    expect(await live.rows()).toEqual(['tea']);
    await live.add('cake');
    await live.add('scone');
    const restored = await call(`/api/tenants/${id}/snapshots/${snapshot.id}/restore`, { body: {} });
    expect(restored.status, restored.text).toBe(200);
    const answer = restored.json();
    expect(answer.restored.id).toBe(snapshot.id);
    expect(answer.before).toMatchObject({ reason: `before restore of ${snapshot.id}`, release: '1.0.0', takenBy: 'admin' });
    expect(answer.warnings).toEqual([]);
    expect(await live.rows()).toEqual(['tea']);
    // The live app's own function path sees it too (the db process was swapped, not just a cache).
    expect((await call(`/api/tenants/${id}/database/tables/sales/rows?database=live`)).json().rows.map((r: { item: string }) => r.item)).toEqual(['tea']);

    // Restoring the "before" snapshot undoes the restore.
    const undone = await call(`/api/tenants/${id}/snapshots/${answer.before.id}/restore`, { body: {} });
    expect(undone.status, undone.text).toBe(200);
    expect(await live.rows()).toEqual(['tea', 'cake', 'scone']);

    const audit = (await call(`/api/tenants/${id}/audit`)).json().entries as Array<{ action: string; target: string; outcome: string }>;
    expect(audit).toContainEqual(expect.objectContaining({ action: 'snapshot.restore', target: snapshot.id, outcome: 'ok' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'snapshot.create', outcome: 'ok' }));
  });

  it('answers 404 for an unknown or malformed snapshot id, and nothing changes', async () => {
    const count = (await call(`/api/tenants/${id}/snapshots`)).json().length;
    for (const bad of ['20200101t000000z-abcdef', 'nope', '..%2F..%2Fapp', '20200101t000000z-abcdef.sqlite', 'x'.repeat(300)]) {
      const res = await call(`/api/tenants/${id}/snapshots/${bad}/restore`, { body: {} });
      expect(res.status, bad).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await call(`/api/tenants/${id}/snapshots`)).json().length).toBe(count);
    expect(await live.rows()).toEqual(['tea', 'cake', 'scone']);
    expect((await call('/api/tenants/nosuchapp/snapshots')).status).toBe(404);
  });

  it('lets only owners list, take and restore snapshots (viewers and editors: 403, audited as refused)', async () => {
    const [snapshot] = (await call(`/api/tenants/${id}/snapshots`)).json();
    const count = (await call(`/api/tenants/${id}/snapshots`)).json().length;
    for (const role of ['viewer', 'editor'] as const) {
      const credential = credentials[role];
      expect((await call(`/api/tenants/${id}/snapshots`, { credential })).status, role).toBe(403);
      expect((await call(`/api/tenants/${id}/snapshots`, { body: {}, credential })).status, role).toBe(403);
      const restore = await call(`/api/tenants/${id}/snapshots/${snapshot.id}/restore`, { body: {}, credential });
      expect(restore.status, role).toBe(403);
      expect(restore.json().error.message).toMatch(/restoring a snapshot needs owner/);
    }
    expect((await call(`/api/tenants/${id}/snapshots`)).json().length).toBe(count);
    const audit = (await call(`/api/tenants/${id}/audit`)).json().entries as Array<{ action: string; actor: string; outcome: string }>;
    expect(audit).toContainEqual(expect.objectContaining({ action: 'snapshot.restore', actor: 'eda', outcome: 'refused' }));
  });

  it('warns when the snapshot is from another release than the live one', async () => {
    const [snapshot] = (await call(`/api/tenants/${id}/snapshots`)).json();
    expect((await call(`/api/tenants/${id}/releases`, { body: { version: '1.1.0' } })).status).toBe(201);
    expect((await call(`/api/tenants/${id}/releases/1.1.0/deploy`, { body: {} })).status).toBe(200);
    const restored = await call(`/api/tenants/${id}/snapshots/${snapshot.id}/restore`, { body: {} });
    expect(restored.status).toBe(200);
    expect(restored.json().warnings).toEqual([expect.stringMatching(/taken while release 1\.0\.0 was live; release 1\.1\.0 is live now/)]);
  });
});

describe('periodic snapshots and retention', () => {
  let test: TestPlatform;
  const id = 'tally';
  const db = () => test.platform.dbPool.get(id, 'live');
  const snapshots = () => test.platform.snapshots.list(id);

  beforeAll(async () => {
    test = await createTestPlatform({ SNAPSHOT_INTERVAL_MS: '1000', SNAPSHOT_RETENTION: 'hourly=2,daily=1' });
    await test.platform.tenants.create(id);
    const migration = await db().beginMigration('CREATE TABLE counts (n INTEGER)', 1);
    await migration.commit();
  });
  afterAll(() => test?.close());

  it('snapshots live data only after it changed, on the timer', async () => {
    // The first look: live data no snapshot holds yet.
    const deadline = Date.now() + 10_000;
    while ((await snapshots()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await snapshots();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ reason: 'periodic', takenBy: 'platform', release: null });
    // Nothing changed: rounds go by without a new one.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await test.platform.periodicSnapshots.runRound()).toEqual([]);
    expect((await snapshots()).map((s) => s.id)).toEqual([first[0]!.id]);
    // A write: the next round takes one (the timer's or this one, whichever comes first).
    await db().execute('INSERT INTO counts (n) VALUES (1)');
    await test.platform.periodicSnapshots.runRound();
    const [newest] = await snapshots();
    expect(newest!.id).not.toBe(first[0]!.id);
    expect(newest).toMatchObject({ reason: 'periodic', takenBy: 'platform' });
    expect(Date.parse(newest!.at)).toBeGreaterThan(Date.parse(first[0]!.at));
    // (The retention keeps the newest periodic one of each hour: the first one, of the same hour, is gone unless the hour just ended.)
    expect(await test.platform.periodicSnapshots.runRound()).toEqual([]);
  });

  it('never runs two looks at one app at once: of two at the same time after a write, one snapshots', async () => {
    const [before] = await snapshots();
    await db().execute('INSERT INTO counts (n) VALUES (10)');
    const both = await Promise.all([test.platform.periodicSnapshots.check(id), test.platform.periodicSnapshots.check(id)]);
    // One of the two (or the timer's round, which goes through the same lock) took it; never two.
    expect(both.filter((taken) => taken !== null).length).toBeLessThanOrEqual(1);
    const [after] = await snapshots();
    expect(after!.id).not.toBe(before!.id);
    expect(both.filter((taken) => taken !== null).map((taken) => taken!.id)).toEqual(both.some((taken) => taken) ? [after!.id] : []);
  });

  it('drops a periodic snapshot that holds the same bytes as the newest one (a checkpoint, no new data)', async () => {
    const before = await snapshots();
    // Closing the db process checkpoints the log into the file: the file changed, the data did not.
    await test.platform.dbPool.close(id);
    expect(await test.platform.periodicSnapshots.runRound()).toEqual([]);
    expect((await snapshots()).map((s) => s.id)).toEqual(before.map((s) => s.id));
  });

  it('prunes by the retention and removes files no record names', async () => {
    const platform = test.platform;
    const dir = path.dirname(platform.snapshots.fileOf(id, 'x'));
    await writeFile(path.join(dir, '20200101t000000z-abcdef.sqlite'), 'left by a crash');
    await writeFile(path.join(dir, '20200101t000000z-abcdef.sqlite.partial'), 'half a copy');
    await writeFile(path.join(dir, 'notes.txt'), 'not a snapshot');
    // Three more writes with snapshots in this hour: only the newest of the hour stays beside the newest of the day.
    for (let n = 2; n <= 4; n++) {
      await db().execute('INSERT INTO counts (n) VALUES (?)', [n]);
      await platform.periodicSnapshots.runRound();
    }
    const kept = await snapshots();
    // hourly=2,daily=1: of the periodic ones, only the newest of each hour is left (one, unless the test ran over an hour's end).
    const periodic = kept.filter((s) => s.reason === 'periodic');
    expect(new Set(periodic.map((s) => s.at.slice(0, 13))).size).toBe(periodic.length);
    expect(periodic.length).toBeGreaterThanOrEqual(1);
    const manual = await platform.snapshots.take(id, 'manual', 'admin');
    expect((await snapshots()).map((s) => s.id)).toContain(manual.id);
    expect(existsSync(path.join(dir, '20200101t000000z-abcdef.sqlite'))).toBe(false);
    expect(existsSync(path.join(dir, '20200101t000000z-abcdef.sqlite.partial'))).toBe(false);
    expect(existsSync(path.join(dir, 'notes.txt'))).toBe(true);
    for (const s of await snapshots()) expect(existsSync(platform.snapshots.fileOf(id, s.id))).toBe(true);
  });
});
