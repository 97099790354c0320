import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

const run = promisify(execFile);
// Every step starts a CLI process (Node + the TypeScript loader): seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });
const root = path.resolve(import.meta.dirname, '../..');
let server: Awaited<ReturnType<typeof startTestServer>>;
const configHome = mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-config-'));

async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, ...args], {
      cwd: root,
      env: { ...process.env, TESSERA_TOKEN: server.token, XDG_CONFIG_HOME: configHome },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const api = (method: string, route: string, body?: unknown) =>
  request(`${server.url}${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const liveItems = async () => (await server.platform.dbPool.get('shelf', 'live').query('SELECT name FROM books ORDER BY id')).map((r) => r.name);

beforeAll(async () => {
  server = await startTestServer({ SNAPSHOT_INTERVAL_MS: '0' });
  expect((await api('POST', '/api/tenants', { id: 'shelf' })).status).toBe(201);
  expect((await api('POST', '/api/tenants/shelf/tools/updateDatabaseSchema', { sql: 'CREATE TABLE books (id INTEGER PRIMARY KEY, name TEXT)' })).status).toBe(
    200,
  );
  expect((await api('POST', '/api/tenants/shelf/releases', { version: '1.0.0' })).status).toBe(201);
  expect((await api('POST', '/api/tenants/shelf/releases/1.0.0/deploy', {})).status).toBe(200);
});
afterAll(() => server?.close());

describe('tessera snapshots, snapshot, restore', () => {
  it('takes a snapshot, lists it in a table, and restores it, printing the snapshot of the data before', async () => {
    await server.platform.dbPool.get('shelf', 'live').execute("INSERT INTO books (name) VALUES ('Dune')");
    const taken = await tessera('snapshot', 'shelf', '--reason', 'before the cleanup');
    expect(taken.code, taken.stderr).toBe(0);
    const id = /Snapshot (\S+) of shelf \([\d.]+ KiB, release 1\.0\.0 live\): before the cleanup/.exec(taken.stdout)?.[1];
    expect(id, taken.stdout).toMatch(/^\d{8}t\d{6}z-[0-9a-f]{6}$/);
    expect(taken.stdout).toContain(`tessera restore shelf ${id}`);

    const list = await tessera('snapshots', 'shelf');
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME \(UTC\)\s+REASON\s+RELEASE\s+SIZE$/);
    expect(lines[1]).toMatch(new RegExp(`^${id}\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\s+before the cleanup\\s+1\\.0\\.0\\s+[\\d.]+ KiB$`));
    expect(lines[2]).toMatch(/before deploy 1\.0\.0\s+-\s+[\d.]+ KiB$/);
    const json = JSON.parse((await tessera('snapshots', 'shelf', '--json')).stdout);
    expect(json[0]).toMatchObject({ id, reason: 'before the cleanup', release: '1.0.0' });

    await server.platform.dbPool.get('shelf', 'live').execute('DELETE FROM books');
    expect(await liveItems()).toEqual([]);
    const restored = await tessera('restore', 'shelf', id!);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`Restored shelf's live data to snapshot ${id}`);
    const before = /The data as it was just before is snapshot (\S+): tessera restore shelf \1 undoes this\./.exec(restored.stdout)?.[1];
    expect(before, restored.stdout).toBeTruthy();
    expect(await liveItems()).toEqual(['Dune']);
    expect((await tessera('snapshots', 'shelf')).stdout).toContain(`${before}`);
  });

  it('says what is wrong: a missing argument, an unknown snapshot', async () => {
    const missing = await tessera('restore', 'shelf');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Usage: tessera restore <id> <snapshotId>');
    const unknown = await tessera('restore', 'shelf', '20200101t000000z-abcdef');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/NOT_FOUND|has no snapshot/);
    const help = await tessera('--help');
    expect(help.stdout).toContain('tessera restore <id> <snapshotId>');
  });
});

describe('tessera deploy --confirm-data-loss, tessera preview-link', () => {
  it('refuses a deploy that would lose live data, says what, and deploys with --confirm-data-loss', async () => {
    await server.platform.dbPool.get('shelf', 'live').execute("INSERT INTO books (name) VALUES ('Emma')");
    expect((await api('POST', '/api/tenants/shelf/tools/updateDatabaseSchema', { sql: 'DROP TABLE books' })).status).toBe(200);
    expect((await api('POST', '/api/tenants/shelf/releases', { version: '2.0.0' })).status).toBe(201);
    const refused = await tessera('deploy', 'shelf', '2.0.0');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Deploying 2.0.0 would lose live data; nothing was changed:');
    expect(refused.stderr).toMatch(/ {2}books: table dropped \(\d+ rows?\)/);
    expect(refused.stderr).toContain('tessera deploy shelf 2.0.0 --confirm-data-loss');
    expect((await liveItems()).length).toBeGreaterThan(0);
    const deployed = await tessera('deploy', 'shelf', '2.0.0', '--confirm-data-loss');
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(
      /shelf 2\.0\.0 is live at .+ \(was 1\.0\.0\)\nlive database migrated 1 -> 2 \(snapshot (\S+) taken before: tessera restore shelf \1 undoes it\)/,
    );
  });

  it('makes a shareable draft link that opens the draft for someone without an account', async () => {
    const made = await tessera('preview-link', 'shelf', '--expires-in', '3600');
    expect(made.code, made.stderr).toBe(0);
    const url = made.stdout.split('\n')[0]!;
    expect(url).toMatch(/^http:\/\/draft\.shelf\.localhost:\d+\//);
    const target = new URL(url);
    const followed = await request(`${server.url}${target.pathname}${target.search}`, { host: target.host, headers: { 'x-test-anonymous': '1' } });
    expect(followed.status).toBe(302);
    expect(String(followed.headers['set-cookie'])).toMatch(/tessera_preview=/);
    const bad = await tessera('preview-link', 'shelf', '--expires-in', 'soon');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--expires-in takes whole seconds');
  });
});
