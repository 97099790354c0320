import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compileChildEntry } from '../../child-entry.ts';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'sandbox', 'main.ts');
const INSIDE_ENTRY = '/sandbox/main.cjs';
/** An unprivileged uid/gid inside the sandbox ("nobody"). */
const SANDBOX_ID = '65534';

/** How tenant code is contained: bubblewrap namespaces plus the permission model, or the permission model alone. */
export type Isolation = 'bubblewrap' | 'process';

let probe: Promise<Isolation> | null = null;

/**
 * Runs the rest of the command with only fds 0-3 open. Node's spawn passes on every descriptor the
 * platform itself inherited without close-on-exec (from whatever launched it: a FIFO, a socket), and
 * neither prlimit nor bubblewrap closes them; the shell closes each one above 3 before it execs.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a POSIX shell script; ${fd##*/} is its parameter expansion
const CLOSE_INHERITED_FDS = 'for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 3 ] && eval "exec $fd>&-"; done; exec "$@"';
export function onlyChannelFds(): string[] {
  return existsSync('/bin/bash') ? ['/bin/bash', '-c', CLOSE_INHERITED_FDS, 'tessera-sandbox'] : [];
}
let prlimitProbe: Promise<boolean> | null = null;

/** The mounts every sandbox gets: the system's libraries and Node, read-only; nothing of the platform's. */
function systemMounts(): string[] {
  const mounts: string[] = [];
  for (const dir of ['/usr', '/lib', '/lib64', '/lib32', '/etc/alternatives']) if (existsSync(dir)) mounts.push('--ro-bind', dir, dir);
  if (!process.execPath.startsWith('/usr/')) mounts.push('--ro-bind', process.execPath, process.execPath);
  return mounts;
}

/** A read-only bind: `from` on the host appears at `to` inside the sandbox. */
export interface ReadOnlyBind {
  from: string;
  to: string;
  /** Skipped when `from` does not exist (instead of failing the sandbox's start). */
  optional?: boolean;
}

/**
 * bubblewrap's arguments for a sandbox that sees the system's libraries and Node plus exactly
 * `binds`, read-only, and nothing else of the host: shared by the function sandboxes and the
 * build workers (bundler/sandbox), so isolation is decided in one place.
 */
export function bubblewrapArgs(binds: ReadOnlyBind[], options: { hostname?: string; tmpBytes?: number; writable?: string; chdir?: string } = {}): string[] {
  return [
    '--unshare-all', // user, pid, ipc, uts, net and cgroup namespaces: no network, no other processes
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--uid',
    SANDBOX_ID,
    '--gid',
    SANDBOX_ID,
    '--hostname',
    options.hostname ?? 'sandbox',
    ...systemMounts(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    ...(options.tmpBytes ? ['--size', String(options.tmpBytes)] : []),
    '--tmpfs',
    '/tmp',
    // After /tmp's tmpfs: a bind under /tmp (a package store in a test's temp folder) stays visible.
    ...binds.flatMap((bind) => [bind.optional ? '--ro-bind-try' : '--ro-bind', bind.from, bind.to]),
    // The one writable folder, if any (an app's database folder).
    ...(options.writable ? ['--bind', options.writable, options.writable] : []),
    '--chdir',
    options.chdir ?? '/tmp',
  ];
}

/**
 * Whether bubblewrap can make a sandbox on this machine (it needs user namespaces). Probed once;
 * where it cannot, functions still run in a separate process with Node's permission model, and the
 * platform says so at start (`isolation()`).
 */
export function detectIsolation(): Promise<Isolation> {
  probe ??= promisify(execFile)('bwrap', [...bubblewrapArgs([{ from: '/dev/null', to: INSIDE_ENTRY }]), '--', process.execPath, '-e', '0'], {
    timeout: 10_000,
    env: {},
  }).then(
    () => 'bubblewrap' as const,
    () => 'process' as const,
  );
  return probe;
}

export function hasPrlimit(): Promise<boolean> {
  prlimitProbe ??= promisify(execFile)('prlimit', ['--version'], { timeout: 5000, env: {} }).then(
    () => true,
    () => false,
  );
  return prlimitProbe;
}

/**
 * `prlimit --as` in front of a command, where prlimit exists: Buffers (and a Go program's heap)
 * live outside V8's heap, so only an address-space cap bounds them. Node reserves ~0.7 GB idle, so
 * the cap sits `headroomMb` (2 GB by default) above the heap limit.
 */
export async function addressSpaceLimit(memoryMb: number, headroomMb = 2048): Promise<string[]> {
  // No core files: a process that dies at its cap must not write its address space to disk.
  return (await hasPrlimit()) ? ['prlimit', `--as=${(memoryMb + headroomMb) * 1024 * 1024}`, '--core=0', '--'] : [];
}

/**
 * Node's flags inside the sandbox. The permission model (`--permission` from Node 22.13/23.5,
 * `--experimental-permission` before) allows reading the sandbox's own file and nothing else: no
 * writes, no child processes, no workers, no native addons, no inspector. The channel to the platform
 * is an inherited file descriptor, which the permission model does not govern, so it keeps working.
 * Without the WebAssembly trap handler V8 does not reserve ~10 GB of address space per wasm memory,
 * which the address-space limit would otherwise refuse.
 */
export function sandboxNodeArgs(entry: string, memoryMb: number): string[] {
  const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
  const wasm = process.allowedNodeEnvironmentFlags.has('--disable-wasm-trap-handler') ? ['--disable-wasm-trap-handler'] : [];
  return [`--max-old-space-size=${memoryMb}`, permission, `--allow-fs-read=${entry}`, ...wasm, '--no-warnings', entry];
}

/**
 * Starts a sandbox process. Everything about isolation is decided here, in one place:
 * - bubblewrap (where it works): new user, pid, ipc, uts, network namespaces, all capabilities
 *   dropped, uid "nobody", only the system's libraries and the sandbox entry visible, read-only,
 *   a private /tmp;
 * - `prlimit --as` (where present): Buffers live outside V8's heap, so only an address-space cap
 *   bounds them (Node reserves ~0.7 GB idle; the cap sits 2 GB above the heap limit);
 * - an environment with nothing of the platform's in it, cwd a scratch directory, and no open file
 *   descriptor but 0-3 (see CLOSE_INHERITED_FDS);
 * - a V8 heap limit and Node's permission model (see sandboxNodeArgs).
 * fd 3 is the channel (protocol.ts); stdout is dropped (console is captured), stderr is read for
 * Node's own fatal messages.
 */
export async function spawnSandbox(options: { scratchDir: string; memoryMb: number; isolation?: 'auto' | 'process' }): Promise<ChildProcess> {
  const entry = await compileChildEntry(ENTRY);
  const isolation = options.isolation === 'process' ? 'process' : await detectIsolation();
  const env = { NODE_ENV: 'production', TZ: 'UTC' };
  const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'pipe', 'pipe'];
  const limit = await addressSpaceLimit(options.memoryMb);
  if (isolation === 'bubblewrap') {
    const command = [
      ...onlyChannelFds(),
      ...limit,
      'bwrap',
      ...bubblewrapArgs([{ from: entry, to: INSIDE_ENTRY }]),
      '--',
      process.execPath,
      ...sandboxNodeArgs(INSIDE_ENTRY, options.memoryMb),
    ];
    return spawn(command[0]!, command.slice(1), { env, stdio });
  }
  mkdirSync(options.scratchDir, { recursive: true });
  const command = [...onlyChannelFds(), ...limit, process.execPath, ...sandboxNodeArgs(entry, options.memoryMb)];
  return spawn(command[0]!, command.slice(1), { cwd: options.scratchDir, env, stdio });
}
