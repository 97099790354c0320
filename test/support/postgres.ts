import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './net.ts';

/** The PostgreSQL server this kind of machine runs before the session (trust auth). */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the real server; drop() removes it. */
export async function createScratchDatabase(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `tessera_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    name,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * pgbouncer in transaction-pooling mode in front of the real server, as production runs it: no
 * session state survives between transactions. It refuses to run as root, so it runs as postgres.
 */
export async function startPgbouncer(database: string): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgbouncer-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const ini = path.join(dir, 'pgbouncer.ini');
  writeFileSync(path.join(dir, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    ini,
    `[databases]\n${database} = host=127.0.0.1 port=5432 dbname=${database}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\nauth_type = trust\nauth_file = ${dir}/users.txt\npool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 5\nunix_socket_dir =\nignore_startup_parameters = extra_float_digits,options\nlogfile = ${dir}/pgbouncer.log\npidfile = ${dir}/pgbouncer.pid\n`,
  );
  for (const file of ['pgbouncer.ini', 'users.txt']) chmodSync(path.join(dir, file), 0o644);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const child = spawn(asRoot ? 'runuser' : 'pgbouncer', asRoot ? ['-u', 'postgres', '--', 'pgbouncer', ini] : [ini], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`pgbouncer did not start on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    async close() {
      child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
