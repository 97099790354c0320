import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileChildEntry } from '../child-entry.ts';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { errorFromJSON, PROTOCOL, type DbOperation, type DbReply } from './protocol.ts';
import { locateSqliteModule, spawnDbProcess, type DbProcessLimits } from './sandbox.ts';

/** How long a db process may take to start and open its file. */
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * Copies and a deploy's migrations work through the whole database (a 1 GiB file takes a while):
 * they are the platform's own operations, not a tenant's query, so they get this longer limit.
 */
const MAINTENANCE_TIMEOUT_MS = 10 * 60_000;

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db-process.ts');

export interface HostOptions {
  timeoutMs: number;
  idleMs: number;
  /** Keep the database file locked while open (see Engine). */
  exclusive?: boolean;
  /** The database's size limit (APP_DB_MAX_BYTES). */
  maxBytes: number;
  limits: DbProcessLimits;
  /** 'process': never bubblewrap (tests of the fallback); 'auto': bubblewrap where it works. */
  isolation: 'auto' | 'process';
  /** Already bound to the tenant. */
  logger?: Logger | undefined;
}

/** Said once per platform process: tenant databases are not in namespaces here. */
let warnedUnsandboxed = false;

/** How much of a dying process's stderr is kept to explain its death. */
const STDERR_KEEP = 4096;

interface Waiter {
  child: ChildProcess;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * The platform's end of one tenant's db host process: starts it on demand, runs calls one at a
 * time with a timeout each (killing the process when one runs over), notices when it dies, and
 * stops it after `idleMs` without calls. It knows nothing about SQL; TenantDb (pool.ts) builds on it.
 */
export class DbProcess {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  /** While set, queued work waits for it (an open migration holds the database). */
  private hold: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly options: HostOptions,
  ) {}

  /** The running process id, if any (tests use it to kill the process). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Runs `task` after every earlier task (and after any open migration is settled). */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    this.clearIdle();
    const run = async (): Promise<T> => {
      while (this.hold) await this.hold;
      return task();
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    void this.queue.then(() => {
      this.pending--;
      this.armIdle();
    });
    return result;
  }

  /** Makes queued work wait until `until` settles; for the two-phase migration. */
  holdUntil(until: Promise<unknown>): void {
    const hold = until.then(
      () => undefined,
      () => undefined,
    );
    this.hold = hold;
    void hold.then(() => {
      if (this.hold === hold) this.hold = null;
      this.armIdle();
    });
  }

  /** Sends one operation to the running process (starting one if needed) and waits for its answer. */
  async call<T>(operation: DbOperation): Promise<T> {
    const child = await this.ensureChild();
    return (await this.send(child, operation)) as T;
  }

  /** Sends to a specific process, failing if it is no longer the running one (its state is gone). */
  callOn<T>(child: ChildProcess, operation: DbOperation): Promise<T> {
    if (child !== this.child || !child.connected) return Promise.reject(stopped('before answering'));
    return this.send(child, operation) as Promise<T>;
  }

  /** The running process, for operations that must reach the same one later (commit after begin). */
  current(): ChildProcess | null {
    return this.child;
  }

  private async ensureChild(): Promise<ChildProcess> {
    if (this.child?.connected) return this.child;
    const entry = await compileChildEntry(ENTRY);
    if (this.child?.connected) return this.child;
    // No platform secrets in the child's environment; no TypeScript loader or inspector flags either.
    const { child, isolation } = await spawnDbProcess({
      entry,
      dbDir: path.dirname(this.file),
      limits: this.options.limits,
      isolation: this.options.isolation,
    });
    if (this.child?.connected) {
      child.kill('SIGKILL');
      return this.child;
    }
    this.child = child;
    const log = this.options.logger?.child({ pid: child.pid });
    log?.debug({ isolation }, 'db process started');
    if (isolation !== 'bubblewrap' && this.options.isolation === 'auto' && !warnedUnsandboxed) {
      warnedUnsandboxed = true;
      this.options.logger?.warn(
        'bubblewrap cannot run here: app databases run in plain processes (memory-capped, but without namespaces: they could read the files the platform can). Install "bubblewrap"; REQUIRE_ISOLATION=true refuses to start without it.',
      );
    }
    let stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderrTail = (stderrTail + text).slice(-STDERR_KEEP);
      log?.warn(`db process stderr: ${text.trim().slice(0, 2000)}`);
    });
    child.on('message', (reply: DbReply) => this.settle(reply));
    child.on('error', (err) => {
      log?.warn({ err }, 'db process error');
      this.discard(child);
    });
    child.on('exit', (code, signal) => {
      log?.debug({ code, signal }, 'db process exited');
      if (this.child === child) this.child = null;
      const outOfMemory = /out of memory|Allocation failed|heap limit/i.test(stderrTail);
      for (const [id, waiter] of this.waiting) {
        if (waiter.child !== child) continue;
        this.waiting.delete(id);
        waiter.reject(outOfMemory ? ranOutOfMemory(this.options.limits) : stopped(`(${signal ?? `exit code ${code}`}) before answering`));
      }
    });
    try {
      const opened = (await this.send(child, {
        op: 'open',
        file: this.file,
        exclusive: this.options.exclusive ?? false,
        maxBytes: this.options.maxBytes,
        nativeBinding: locateSqliteModule().nativeBinding,
      })) as { protocol?: unknown } | null;
      if (opened?.protocol !== PROTOCOL) {
        throw new TesseraError(
          'INTERNAL',
          `The db process speaks ${JSON.stringify(opened?.protocol ?? 'an older protocol')}, not ${PROTOCOL}: its compiled file (${entry}) was rewritten by another Tessera version sharing node_modules. Restart the platform.`,
        );
      }
    } catch (err) {
      this.discard(child);
      throw err;
    }
    return child;
  }

  private settle(reply: DbReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(errorFromJSON(reply.error));
  }

  private send(child: ChildProcess, operation: DbOperation): Promise<unknown> {
    const id = this.nextId++;
    // Opening includes starting the process, which a loaded machine can make slow: that is not the
    // tenant's query running long, so it has its own, longer limit and its own message.
    const starting = operation.op === 'open';
    const maintenance = operation.op === 'copy' || operation.op === 'migrate-many';
    const timeoutMs = starting
      ? Math.max(this.options.timeoutMs, STARTUP_TIMEOUT_MS)
      : maintenance
        ? Math.max(this.options.timeoutMs, MAINTENANCE_TIMEOUT_MS)
        : this.options.timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.waiting.delete(id)) return;
        this.options.logger?.warn({ op: operation.op, timeoutMs }, 'db call timed out; killing the db process');
        this.discard(child);
        reject(
          starting
            ? new TesseraError('INTERNAL', `The database process did not start within ${timeoutMs / 1000} s; try again.`)
            : maintenance
              ? new TesseraError(
                  'INTERNAL',
                  `The database ${operation.op === 'copy' ? 'copy' : 'migration'} took longer than ${timeoutMs / 1000} s and was stopped; nothing was changed.`,
                )
              : new TesseraError(
                  'SQL_ERROR',
                  `The query ran longer than ${timeoutMs} ms and was stopped. Make it cheaper: add a LIMIT, an index, or a WHERE clause, and check recursive CTEs for a stop condition.`,
                ),
        );
      }, timeoutMs);
      const done =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A) => {
          clearTimeout(timer);
          fn(...args);
        };
      this.waiting.set(id, { child, resolve: done(resolve), reject: done(reject) });
      child.send({ ...operation, id }, (err) => {
        if (!err) return;
        const waiter = this.waiting.get(id);
        this.waiting.delete(id);
        this.discard(child);
        waiter?.reject(stopped('before the call reached it'));
      });
    });
  }

  /** Forgets a process at once (the next call starts a fresh one) and kills it. */
  private discard(child: ChildProcess): void {
    if (this.child === child) this.child = null;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private armIdle(): void {
    this.clearIdle();
    if (this.pending > 0 || this.hold || !this.child) return;
    this.idleTimer = setTimeout(() => {
      if (this.pending === 0 && !this.hold) void this.stop();
    }, this.options.idleMs);
    this.idleTimer.unref();
  }

  /** Stops the process gracefully (it closes its database on disconnect), killing it if it lingers. */
  async stop(): Promise<void> {
    this.clearIdle();
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      if (child.connected) child.disconnect();
      else child.kill('SIGKILL');
    });
  }
}

function ranOutOfMemory(limits: DbProcessLimits): TesseraError {
  return new TesseraError(
    'SQL_ERROR',
    `The query needed more memory than the app's database process may use (${limits.heapMb} MB of JavaScript heap, ${limits.addressSpaceMb} MB in all): a value or row is too large (e.g. a huge zeroblob(), printf() width or string concatenation). The process was restarted. Select smaller values (substr(), length()) or fewer rows.`,
  );
}

function stopped(when: string): TesseraError {
  return new TesseraError(
    'SQL_ERROR',
    `The app's database process stopped ${when}; the statement may not have been applied. It restarts on the next call; check the data before retrying a write.`,
  );
}
