import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { locateFissionPeers } from '../../scripts/fission-peers.mjs';
import { freePort } from './net.ts';

/** Fission's own Node.js environment server, unchanged, at the pinned commit (scripts/fission-peers.mjs says where from). */
export const FISSION_ENV_SOURCE = locateFissionPeers().nodejsEnv;

/** Copies Fission's environment to a temp dir and installs its dependencies (npm ci, from the registry). */
export async function prepareFissionEnv(): Promise<{ dir: string; cleanup(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fission-env-'));
  cpSync(FISSION_ENV_SOURCE, dir, { recursive: true });
  await promisify(execFile)('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeout: 180_000 });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts Fission's server on a free port; a busy port leaves it up but not listening, so retry. */
async function startServer(envDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['server.js', '--port', String(port)], {
      cwd: envDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`listening on port ${port}`)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => resolve(false));
    });
    if (started) return { child, port };
    child.kill('SIGKILL');
    if (attempt >= 2) throw new Error(`Fission's environment server did not start (last port ${port})`);
  }
}

/**
 * Starts one Fission environment server (one per function, as in Fission) and specializes it with
 * `file` (a file, or a folder as Fission's fetcher unpacks an archive into, with `functionName`).
 */
export async function startFissionFunction(
  envDir: string,
  file: string,
  options: { functionName?: string; env?: Record<string, string> } = {},
): Promise<{ url: string; close(): void }> {
  const { child, port } = await startServer(envDir, options.env);
  const url = `http://127.0.0.1:${port}`;
  const res = await fetch(`${url}/v2/specialize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      filepath: file,
      functionName: options.functionName ?? '',
      url: '',
      FunctionMetadata: { name: 'fn', namespace: 'default' },
      envVersion: 2,
    }),
  });
  if (res.status !== 202) {
    child.kill();
    throw new Error(`specialize failed: ${res.status} ${await res.text()}`);
  }
  return { url, close: () => child.kill() };
}
