import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { rememberCredential } from './credentials.ts';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * One Tessera replica as `npm start` runs it on a cluster: its own port, the shared data directory
 * and database, the replicas' common token and sealing key, and its own URL for the others.
 */
export async function bootReplica(options: {
  port: number;
  dataDir: string;
  databaseUrl: string;
  token: string;
  leaseTtlMs: number;
  env?: Record<string, string>;
}): Promise<ChildProcess> {
  rememberCredential(options.port, options.token);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: 'warn',
      TESSERA_TOKEN: options.token,
      TESSERA_SECRET_KEY: 'ab'.repeat(32),
      TESSERA_REPLICA_URL: `http://127.0.0.1:${options.port}`,
      TESSERA_LEASE_TTL_MS: String(options.leaseTtlMs),
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`http://localhost:${options.port}/healthz`)).ok) return child;
    } catch {}
    if (child.exitCode !== null) throw new Error(`replica on ${options.port} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`replica on ${options.port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
