import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { addressSpaceLimit, bubblewrapArgs, detectIsolation, type Isolation, type ReadOnlyBind } from '../runtime/index.ts';

/** Memory bounds of one db process. */
export interface DbProcessLimits {
  /** V8's heap (`--max-old-space-size`): rows in JS and the reply being built. */
  heapMb: number;
  /**
   * Address space (`prlimit --as`). Node reserves ~0.85 GB of it idle; what is left bounds SQLite's
   * own allocations and Buffers outside V8's heap. A value or row beyond it fails SQLite's malloc
   * (SQLITE_NOMEM, a clear error) or, if Node's copy is the one that fails, ends the process, which
   * the platform reports as out of memory. Either way the process never grows past it.
   */
  addressSpaceMb: number;
}

export const DEFAULT_DB_PROCESS_LIMITS: DbProcessLimits = { heapMb: 128, addressSpaceMb: 1280 };

/** What a db process needs to read: better-sqlite3's JavaScript, its package.json and its native addon. */
export interface SqliteModule {
  /** The package's folder (node_modules/better-sqlite3). */
  root: string;
  /** The native addon, passed to better-sqlite3 by path (`bindings` would search folders it cannot see). */
  nativeBinding: string;
}

let sqliteModule: SqliteModule | null = null;

export function locateSqliteModule(): SqliteModule {
  if (!sqliteModule) {
    const root = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    sqliteModule = { root, nativeBinding: path.join(root, 'build', 'Release', 'better_sqlite3.node') };
  }
  return sqliteModule;
}

/**
 * bubblewrap for a db process: the function sandbox's namespaces (no network, no other processes,
 * uid nobody, no capabilities), and a filesystem holding only the system's libraries, the compiled
 * entry and better-sqlite3 (read-only, at their own paths so `require` finds them) and the app's
 * database folder, the one writable place. /tmp is a small private tmpfs (SQLite keeps its temporary
 * tables in memory: see Engine).
 */
export function dbBubblewrapArgs(entry: string, dbDir: string, sqlite: SqliteModule): string[] {
  const atOwnPath = (file: string): ReadOnlyBind => ({ from: file, to: file });
  return bubblewrapArgs([entry, path.join(sqlite.root, 'package.json'), path.join(sqlite.root, 'lib'), sqlite.nativeBinding].map(atOwnPath), {
    hostname: 'tessera-db',
    tmpBytes: 16 * 1024 * 1024,
    writable: dbDir,
    chdir: dbDir,
  });
}

/**
 * Starts one tenant's db process, contained like a function's sandbox (see sandbox-process.ts for
 * the runtime's): bubblewrap where it works, else a plain process (the platform warns at start, and
 * REQUIRE_ISOLATION refuses to start); in both, `prlimit --as` where present, a V8 heap limit and an
 * environment with nothing of the platform's. fd 3 is Node's IPC channel to the platform; the
 * process closes any other descriptor it inherited as it starts (inherited-fds.ts).
 */
export async function spawnDbProcess(options: {
  entry: string;
  dbDir: string;
  limits: DbProcessLimits;
  isolation: 'auto' | 'process';
}): Promise<{ child: ChildProcess; isolation: Isolation }> {
  const isolation = options.isolation === 'process' ? 'process' : await detectIsolation();
  mkdirSync(options.dbDir, { recursive: true });
  // MALLOC_ARENA_MAX: glibc reserves 64 MB of address space per thread arena otherwise.
  const env = { NODE_ENV: process.env.NODE_ENV ?? 'production', TZ: 'UTC', MALLOC_ARENA_MAX: '2' };
  const node = [process.execPath, `--max-old-space-size=${options.limits.heapMb}`, '--no-warnings', options.entry];
  const limit = await addressSpaceLimit(options.limits.addressSpaceMb, 0);
  const command =
    isolation === 'bubblewrap'
      ? [...limit, 'bwrap', ...dbBubblewrapArgs(options.entry, options.dbDir, locateSqliteModule()), '--', ...node]
      : [...limit, ...node];
  const child = spawn(command[0]!, command.slice(1), { cwd: options.dbDir, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  return { child, isolation };
}
