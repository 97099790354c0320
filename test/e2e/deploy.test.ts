import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';
import { createScratchDatabase, startPgbouncer } from '../support/postgres.ts';

/** Each suite runs on both registry backends: PGlite, and PostgreSQL through pgbouncer (transaction mode). */
const backends: Array<[string, () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>]> = [
  ['pglite', async () => ({ env: {}, cleanup: async () => undefined })],
  [
    'postgres via pgbouncer',
    async () => {
      const database = await createScratchDatabase();
      const bouncer = await startPgbouncer(database.name);
      return {
        env: { DATABASE_URL: bouncer.url },
        cleanup: async () => {
          await bouncer.close();
          await database.drop();
        },
      };
    },
  ],
];
import { freePort } from '../support/net.ts';
import { installFetchCredentials, rememberCredential } from '../support/credentials.ts';

installFetchCredentials();

const root = path.resolve(import.meta.dirname, '../..');

async function post(base: string, route: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Builds an app with two releases: 1.0.0 answers "one", 1.1.0 answers "two" (function and component). */
async function buildTwoReleases(base: string, id: string): Promise<void> {
  await post(base, '/api/tenants', { id });
  for (const [word, version] of [
    ['one', '1.0.0'],
    ['two', '1.1.0'],
  ] as const) {
    await post(base, `/api/tenants/${id}/tools/createBackendFunction`, {
      name: 'which',
      code: `module.exports = async () => ({ status: 200, body: { release: '${word}' } })`,
    });
    await post(base, `/api/tenants/${id}/tools/createFrontendComponent`, {
      name: 'Badge',
      code: `export default function Badge() { return <p>release ${word}</p>; }`,
    });
    await post(base, `/api/tenants/${id}/tools/updateUILayout`, {
      blueprint: { version: 1, title: word, routes: [{ path: '/', root: { component: 'Badge' } }] },
    });
    await post(base, `/api/tenants/${id}/releases`, { version });
  }
}

describe.each(backends)('deploys under load (%s)', (_name, backend) => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const b = await backend();
    cleanup = b.cleanup;
    server = await startTestServer(b.env);
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  it('serves every request from one whole release while ten deploys and rollbacks happen', async () => {
    await buildTwoReleases(server.url, 'busy');
    await post(server.url, '/api/tenants/busy/releases/1.0.0/deploy', {});
    const live = server.liveUrl('busy');
    let running = true;
    let requests = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    const worker = async () => {
      while (running) {
        const page = await request(live);
        requests++;
        if (page.status !== 200) failures.push(`page ${page.status}`);
        const data = JSON.parse(/<script type="application\/json" id="tessera-app">(.*?)<\/script>/s.exec(page.text)![1]!);
        const word = data.blueprint.title as string;
        for (const url of Object.values(data.components as Record<string, string>)) {
          const bundle = await request(`${live.slice(0, -1)}${url}`);
          requests++;
          if (bundle.status !== 200) failures.push(`bundle ${url} ${bundle.status}`);
          // The bundle belongs to the same release as the page that named it.
          else if (!bundle.text.includes(`release ${word}`)) failures.push(`page of ${word} got a bundle of another release`);
        }
        const fn = await request(`${live}api/which`);
        requests++;
        if (fn.status !== 200) failures.push(`function ${fn.status}`);
        else seen.add(fn.json().release);
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await post(server.url, `/api/tenants/busy/releases/${i % 2 === 0 ? '1.1.0' : '1.0.0'}/deploy`, {});
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    running = false;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(100);
    expect([...seen].sort()).toEqual(['one', 'two']);
    const history = await (await fetch(`${server.url}/api/tenants/busy/deployments`)).json();
    expect(history.deployments).toHaveLength(11);
    expect(history.live).toBe('1.0.0');
  });
});

describe.each(backends)('a crash in the middle of a deploy (%s)', (_name, backend) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-crash-'));
  let env: Record<string, string> = {};
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ env, cleanup } = await backend());
  });
  afterAll(async () => {
    await cleanup?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function boot(port: number): Promise<ChildProcess> {
    // The platform as `npm start` runs it, with a TESSERA_TOKEN that the test's requests carry.
    const token = `crash-test-${port}-token-0123456789`;
    rememberCredential(port, token);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', TESSERA_TOKEN: token },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`http://localhost:${port}/healthz`)).ok) return child;
      } catch {}
      if (Date.now() > deadline) throw new Error('server did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('leaves one of the two releases live, never neither', async () => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    let child = await boot(port);
    await buildTwoReleases(base, 'crashy');
    await post(base, '/api/tenants/crashy/releases/1.0.0/deploy', {});
    for (const delay of [0, 5, 20, 60]) {
      const target = (await (await fetch(`${base}/api/tenants/crashy/deployments`)).json()).live === '1.0.0' ? '1.1.0' : '1.0.0';
      void fetch(`${base}/api/tenants/crashy/releases/${target}/deploy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      child = await boot(port);
      const { live } = await (await fetch(`${base}/api/tenants/crashy/deployments`)).json();
      expect(['1.0.0', '1.1.0']).toContain(live);
      const answer = await request(`http://crashy.localhost:${port}/api/which`);
      expect(answer.status).toBe(200);
      expect(answer.json().release).toBe(live === '1.0.0' ? 'one' : 'two');
    }
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }, 240_000);
});
