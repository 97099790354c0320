/**
 * Scale-out figures: a function call through Fission's own Node.js environment server beside the
 * embedded runtime's, and a database query through the remote transport (the data endpoint, as
 * `@tessera/db` on Fission makes it) beside the local one (the runtime's IPC to the db process).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { exportFission } from '../src/fission/index.ts';
import { runTool } from '../src/tools/index.ts';
import { prepareFissionEnv, startFissionFunction } from '../test/support/fission-env.ts';
import { request } from '../test/support/http.ts';
import type { startTestServer } from '../test/support/platform.ts';
import { report, sample } from './stats.ts';

const example = (file: string): string => readFileSync(path.join(PROJECT_ROOT, 'examples', 'notes', file), 'utf8');

export async function benchFission(server: Awaited<ReturnType<typeof startTestServer>>, runs: number): Promise<void> {
  process.stdout.write("\n# Fission: the exported release in Fission's own Node.js environment server vs Tessera's embedded runtime (same files)\n");
  const { platform } = server;
  const work = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-fission-'));
  const env = await prepareFissionEnv();
  const closers: Array<() => void> = [];
  try {
    await platform.tenants.create('fbench');
    const call = (tool: string, args: unknown) => runTool(platform, 'fbench', tool, args);
    await call('updateDatabaseSchema', { sql: example('schema.sql') });
    await call('createBackendFunction', { name: 'notes', code: example('notes.js') });
    await call('createBackendFunction', {
      name: 'hello',
      code: 'module.exports = async (context) => ({ status: 200, body: { hello: context.request.query.name } })',
    });
    for (let i = 0; i < 20; i++) await request(`${server.appUrl('fbench')}api/notes`, { method: 'POST', body: JSON.stringify({ text: `note ${i}` }) });
    const res = await fetch(`${server.url}/api/tenants/fbench/releases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"version":"1.0.0"}',
    });
    if (!res.ok) throw new Error(`release: ${await res.text()}`);
    const exported = await exportFission({ registry: platform.registry, store: platform.artifacts }, 'fbench', '1.0.0', {
      dataUrl: server.url,
      limits: platform.config.functions,
    });
    const secretFile = exported.files.find((f) => f.path === `k8s/secret-${exported.names.dataSecret}.yaml`)!;
    const secret = parse(Buffer.from(secretFile.content).toString('utf8')) as { stringData: { url: string; token: string } };
    const secretsRoot = path.join(work, 'secrets');
    mkdirSync(path.join(secretsRoot, exported.namespace, exported.names.dataSecret), { recursive: true });
    for (const [key, value] of Object.entries(secret.stringData))
      writeFileSync(path.join(secretsRoot, exported.namespace, exported.names.dataSecret, key), value);
    const start = async (fn: string): Promise<string> => {
      const archive = exported.files.find((f) => f.path === `archives/${exported.names.functions[fn]!.archive}.zip`)!;
      const dir = path.join(work, fn);
      for (const [name, data] of Object.entries(unzipSync(archive.content))) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), data);
      }
      const running = await startFissionFunction(env.dir, dir, { functionName: 'index', env: { TESSERA_SECRETS_DIR: secretsRoot } });
      closers.push(running.close);
      return running.url;
    };
    const [hello, notes] = await Promise.all([start('hello'), start('notes')]);
    const draft = server.appUrl('fbench');
    report(
      'embedded runtime: hello',
      await sample(runs, () => request(`${draft}api/hello?name=x`)),
      "Fission's env server: hello",
      await sample(runs, () => request(`${hello}/?name=x`)),
    );
    report(
      'embedded: notes (db via IPC)',
      await sample(runs, () => request(`${draft}api/notes`)),
      'Fission: notes (db via HTTP)',
      await sample(runs, () => request(`${notes}/`)),
    );
    const db = platform.dbPool.get('fbench', 'live');
    const body = JSON.stringify({ op: 'query', sql: 'SELECT id, text FROM notes ORDER BY id', params: [] });
    const remote = await sample(runs, () =>
      request(secret.stringData.url, { method: 'POST', headers: { authorization: `Bearer ${secret.stringData.token}` }, body }),
    );
    report('remote transport: query', remote, 'local db process: same query', await sample(runs, () => db.query('SELECT id, text FROM notes ORDER BY id')));
  } finally {
    for (const close of closers) close();
    env.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}
