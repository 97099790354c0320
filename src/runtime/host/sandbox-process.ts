import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileChildEntry } from '../../child-entry.ts';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'sandbox', 'main.ts');

/**
 * Starts a tenant's sandbox process. Everything about isolation is decided here, in one place:
 * - an environment with nothing of the platform's in it;
 * - a V8 heap limit;
 * - Node's permission model: the process may read its own entry file and nothing else, may not
 *   write files, start processes or workers (IPC still works: the channel is inherited).
 * Wrapping this in bubblewrap namespaces is the hardening issue's job.
 */
export async function spawnSandbox(options: { tenant: string; scratchDir: string; memoryMb: number }): Promise<ChildProcess> {
  const entry = await compileChildEntry(ENTRY);
  mkdirSync(options.scratchDir, { recursive: true });
  return fork(entry, [], {
    cwd: options.scratchDir,
    env: { NODE_ENV: 'production', TZ: 'UTC' },
    execArgv: [`--max-old-space-size=${options.memoryMb}`, '--experimental-permission', `--allow-fs-read=${entry}`, '--no-warnings'],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}
