/**
 * Several replicas: a function call sent to the replica that holds the tenant, beside the same call
 * sent to another replica, which forwards it (two real server processes, PostgreSQL via pgbouncer).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installFetchCredentials } from '../test/support/credentials.ts';
import { request } from '../test/support/http.ts';
import { freePort } from '../test/support/net.ts';
import { createScratchDatabase, startPgbouncer } from '../test/support/postgres.ts';
import { bootReplica } from '../test/support/replicas.ts';
import { report, sample } from './stats.ts';

export async function benchReplicas(runs: number): Promise<void> {
  process.stdout.write('\n# Two replicas: a function call through the replica holding the app vs through the other (forwarded)\n');
  installFetchCredentials();
  const database = await createScratchDatabase();
  const bouncer = await startPgbouncer(database.name);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-replicas-'));
  const children: ChildProcess[] = [];
  try {
    const ports = [await freePort(), await freePort()];
    for (const port of ports)
      children.push(await bootReplica({ port, dataDir, databaseUrl: bouncer.url, token: 'bench-replicas-token-0123456789', leaseTtlMs: 15_000 }));
    const post = (port: number, route: string, body: unknown) =>
      fetch(`http://localhost:${port}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post(ports[0]!, '/api/tenants', { id: 'bench' });
    await post(ports[0]!, '/api/tenants/bench/tools/createBackendFunction', {
      name: 'hello',
      code: "module.exports = async () => ({ status: 200, body: { hello: 'world' } })",
    });
    const call = (port: number) => request(`http://127.0.0.1:${port}/api/hello`, { host: `draft.bench.localhost:${port}` });
    // Both paths warm (connections kept alive, the holder's address cached) before they are timed,
    // and more calls than elsewhere: the two differ by a loopback hop, well inside this machine's noise.
    const timed = Math.max(runs, 100);
    report(
      'GET /api/hello via the other replica',
      await sample(timed, () => call(ports[1]!), 20),
      'via the holder',
      await sample(timed, () => call(ports[0]!), 20),
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))));
    await bouncer.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
