import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compileChildEntry } from '../../child-entry.ts';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'sandbox', 'main.ts');
const INSIDE_ENTRY = '/sandbox/main.cjs';
/** An unprivileged uid/gid inside the sandbox ("nobody"). */
const SANDBOX_ID = '65534';

export type Isolation = 'bubblewrap' | 'process';

let probe: Promise<Isolation> | null = null;

/** The mounts every sandbox gets: the system's libraries and Node, read-only; nothing of the platform's. */
function systemMounts(): string[] {
  const mounts: string[] = [];
  for (const dir of ['/usr', '/lib', '/lib64', '/lib32', '/etc/alternatives']) if (existsSync(dir)) mounts.push('--ro-bind', dir, dir);
  if (!process.execPath.startsWith('/usr/')) mounts.push('--ro-bind', process.execPath, process.execPath);
  return mounts;
}

function bubblewrapArgs(entry: string): string[] {
  return [
    '--unshare-all', // user, pid, ipc, uts, net and cgroup namespaces: no network, no other processes
    '--die-with-parent',
    '--new-session',
    '--cap-drop', 'ALL',
    '--uid', SANDBOX_ID,
    '--gid', SANDBOX_ID,
    '--hostname', 'sandbox',
    ...systemMounts(),
    '--ro-bind', entry, INSIDE_ENTRY,
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--chdir', '/tmp',
  ];
}

/**
 * Whether bubblewrap can make a sandbox on this machine (it needs user namespaces). Probed once;
 * where it cannot, functions still run in a separate process with Node's permission model, and the
 * platform says so at start (`isolation()`).
 */
export function detectIsolation(): Promise<Isolation> {
  probe ??= promisify(execFile)('bwrap', [...bubblewrapArgs('/dev/null'), '--', process.execPath, '-e', '0'], { timeout: 10_000, env: {} }).then(
    () => 'bubblewrap' as const,
    () => 'process' as const,
  );
  return probe;
}

/**
 * Starts a tenant's sandbox process. Everything about isolation is decided here, in one place:
 * - bubblewrap (where it works): new user, pid, ipc, uts, network namespaces, all capabilities
 *   dropped, uid "nobody", only the system's libraries and the sandbox entry visible, read-only,
 *   a private /tmp; `prlimit` caps the address space, since Buffer memory escapes V8's heap limit;
 * - an environment with nothing of the platform's in it;
 * - a V8 heap limit;
 * - Node's permission model inside: no file reads but the entry, no writes, no child processes or
 *   workers (the IPC channel is inherited, so it still works).
 */
export async function spawnSandbox(options: { tenant: string; scratchDir: string; memoryMb: number }): Promise<ChildProcess> {
  const entry = await compileChildEntry(ENTRY);
  const isolation = await detectIsolation();
  const env = { NODE_ENV: 'production', TZ: 'UTC' };
  const stdio: Array<'ignore' | 'pipe' | 'ipc'> = ['ignore', 'pipe', 'pipe', 'ipc'];
  const nodeArgs = (file: string) => [`--max-old-space-size=${options.memoryMb}`, '--experimental-permission', `--allow-fs-read=${file}`, '--no-warnings'];
  if (isolation === 'bubblewrap') {
    // Node reserves ~0.7 GB of address space when idle: the cap sits well above that plus the heap.
    const addressSpace = (options.memoryMb + 2048) * 1024 * 1024;
    return spawn('prlimit', [`--as=${addressSpace}`, '--', 'bwrap', ...bubblewrapArgs(entry), '--', process.execPath, ...nodeArgs(INSIDE_ENTRY), INSIDE_ENTRY], { env, stdio, serialization: 'advanced' });
  }
  mkdirSync(options.scratchDir, { recursive: true });
  return fork(entry, [], { cwd: options.scratchDir, env, execArgv: nodeArgs(entry), serialization: 'advanced', stdio });
}
