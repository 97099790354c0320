/**
 * Entry of a db host process: owns one tenant's SQLite file. It runs as a child of the platform
 * because this SQLite build cannot interrupt a query: the platform kills the whole process on
 * timeout instead. Requests arrive over the IPC channel and are answered one at a time, in order.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { TesseraError, toTesseraError } from '../errors.ts';
import { Engine } from './engine.ts';
import { closeInheritedFds, openFds } from './inherited-fds.ts';
import { PROTOCOL, type DbReply, type DbRequest, type ProcessFacts } from './protocol.ts';

/*
 * First thing the process does: drop descriptors inherited from whatever started the platform
 * (the imports above only define code; better-sqlite3 loads its addon when the database opens).
 */
const closedAtStart = closeInheritedFds();

let engine: Engine | null = null;
/** Opened for a replica (see Engine): then a busy file means another process still holds the tenant. */
let exclusive = false;

function heldElsewhere(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: string }).code === 'SQLITE_BUSY') return true;
  return false;
}

function ready(): Engine {
  if (!engine) throw new TesseraError('INTERNAL', 'The database process received a call before its database was opened.');
  return engine;
}

function handle(request: DbRequest): unknown {
  switch (request.op) {
    case 'open':
      exclusive = request.exclusive;
      engine ??= new Engine(request.file, {
        exclusive,
        maxBytes: request.maxBytes,
        ...(request.nativeBinding ? { nativeBinding: request.nativeBinding } : {}),
      });
      return { protocol: PROTOCOL };
    case 'query':
      return ready().query(request.sql, request.params);
    case 'execute':
      return ready().execute(request.sql, request.params);
    case 'readonly':
      return ready().readonly(request.sql, request.params, request.limit);
    case 'migrate':
      return ready().migrate(request.sql, request.version, request.hold);
    case 'migrate-many':
      return ready().migrateMany(request.migrations, request.hold, true);
    case 'copy':
      return ready().copyTo(request.file);
    case 'commit':
      return ready().commit();
    case 'rollback':
      return ready().rollback();
    case 'version':
      return ready().version();
    case 'describe':
      return ready().describe();
    case 'inspect':
      return facts();
    default:
      throw new TesseraError('INTERNAL', `Unknown database operation ${JSON.stringify((request as { op?: unknown }).op)}.`);
  }
}

function facts(): ProcessFacts {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const interfaces = Object.keys(os.networkInterfaces()).filter((name) => name !== 'lo');
  return {
    fds: openFds(),
    closedAtStart,
    peakRssBytes: kib('VmHWM'),
    rssBytes: kib('VmRSS'),
    addressSpaceBytes: kib('VmSize'),
    uid: process.getuid?.() ?? -1,
    hostname: os.hostname(),
    interfaces,
  };
}

function shutdown(code: number): never {
  try {
    engine?.close();
  } catch {
    // Exiting anyway: an open transaction is rolled back by SQLite when the file is next opened.
  }
  process.exit(code);
}

process.on('message', (request: DbRequest) => {
  let reply: DbReply;
  try {
    reply = { id: request.id, ok: true, value: handle(request) ?? null };
  } catch (err) {
    const error =
      exclusive && heldElsewhere(err)
        ? new TesseraError(
            'TENANT_UNAVAILABLE',
            "This app's database is still held by another process (the replica that served the app before has not let go of it yet); nothing was changed. Retry in a few seconds.",
          )
        : toTesseraError(err);
    reply = { id: request.id, ok: false, error: error.toJSON() };
  }
  if (!process.connected) shutdown(0);
  process.send?.(reply, undefined, {}, (err) => {
    if (err) shutdown(1);
  });
});
process.on('disconnect', () => shutdown(0));

/*
 * If the platform dies (even by SIGKILL) while this process is stuck in a runaway query, the
 * 'disconnect' handler never gets to run. A tiny watchdog thread notices the re-parenting and
 * kills the process, so no orphan keeps burning a CPU.
 */
try {
  const watchdog = new Worker(
    `const parent = process.ppid;
     setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 1000);`,
    // Small limits: a default worker reserves ~0.5 GB of address space, which counts against `prlimit --as`.
    { eval: true, resourceLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1, codeRangeSizeMb: 2, stackSizeMb: 1 } },
  );
  watchdog.unref();
} catch {
  // Without the watchdog the process still exits on disconnect whenever it is not busy.
}
