import { fork, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileChildEntry } from '../child-entry.ts';
import { TesseraError, type TesseraErrorJSON } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DbOperation, DbReply, ExecuteResult, MigrationResult, TableInfo } from './protocol.ts';

type Params = unknown[] | Record<string, unknown>;

export interface PendingMigration {
  readonly result: MigrationResult;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** One tenant's database. Every call runs in the tenant's db host process, one at a time. */
export interface TenantDb {
  query(sql: string, params?: Params): Promise<Record<string, unknown>[]>;
  execute(sql: string, params?: Params): Promise<ExecuteResult>;
  readOnlyQuery(sql: string, params?: Params, options?: { limit?: number }): Promise<{ columns: string[]; rows: Record<string, unknown>[]; truncated: boolean }>;
  /** Applies DDL as migration `version` in one transaction and keeps it open until commit()/rollback(). */
  beginMigration(sql: string, version: number): Promise<PendingMigration>;
  /** Replays migrations above the database's `user_version` (repairs a crash between repo and db commit). */
  catchUp(migrations: Array<{ version: number; sql: string }>): Promise<number>;
  currentVersion(): Promise<number>;
  describe(): Promise<TableInfo[]>;
  close(): Promise<void>;
}

export interface TenantDbPool {
  get(tenantId: string): TenantDb;
  close(tenantId: string): Promise<void>;
  /** Closes the tenant's database and deletes its files. */
  remove(tenantId: string): Promise<void>;
  closeAll(): Promise<void>;
}

const TENANT_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db-process.ts');

function fromJSON(error: TesseraErrorJSON): TesseraError {
  return new TesseraError(error.code, error.message, error.details ? { details: error.details } : {});
}

/** The host side of one tenant's db process: a queue, a timeout per call, restart after a kill. */
class DbHost implements TenantDb {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { child: ChildProcess; resolve(value: unknown): void; reject(err: Error): void }>();
  private tail: Promise<unknown> = Promise.resolve();
  /** While a migration is open, other calls wait behind this gate. */
  private gate: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tenant: string,
    private readonly file: string,
    private readonly options: { timeoutMs: number; idleMs: number; logger?: Logger },
  ) {}

  private async start(): Promise<ChildProcess> {
    if (this.child) return this.child;
    const entry = await compileChildEntry(ENTRY);
    if (this.child) return this.child;
    const child = fork(entry, [], { env: {}, execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr?.on('data', (chunk: Buffer) => this.options.logger?.warn({ tenant: this.tenant }, `db process: ${chunk.toString().trim()}`));
    child.on('message', (reply: DbReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(fromJSON(reply.error));
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      for (const [id, waiter] of this.waiting) {
        if (waiter.child !== child) continue;
        this.waiting.delete(id);
        waiter.reject(new TesseraError('SQL_ERROR', `The database process stopped (${signal ?? `exit ${code}`}); the call was not completed. Try again.`));
      }
    });
    this.child = child;
    await this.send(child, { op: 'open', file: this.file });
    return child;
  }

  private send(child: ChildProcess, operation: DbOperation): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        // Forget the child at once: the next call must start a fresh one, not talk to a dying one.
        if (this.child === child) this.child = null;
        child.kill('SIGKILL');
        reject(new TesseraError('SQL_ERROR', `The query ran longer than ${this.options.timeoutMs} ms and was stopped. Simplify it or add a LIMIT.`));
      }, this.options.timeoutMs);
      this.waiting.set(id, {
        child,
        resolve: (value) => { clearTimeout(timer); resolve(value); },
        reject: (err) => { clearTimeout(timer); reject(err); },
      });
      child.send({ ...operation, id });
    });
  }

  /** Runs calls one at a time, in order; `bypassGate` is for the open migration's own commit/rollback. */
  private call<T>(operation: DbOperation, bypassGate = false): Promise<T> {
    const gate = bypassGate ? Promise.resolve() : this.gate;
    const run = async (): Promise<T> => {
      await gate;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      try {
        return (await this.send(await this.start(), operation)) as T;
      } finally {
        this.idleTimer = setTimeout(() => void this.close(), this.options.idleMs);
        this.idleTimer.unref();
      }
    };
    const result = bypassGate ? run() : this.tail.then(run, run);
    if (!bypassGate) this.tail = result.catch(() => undefined);
    return result;
  }

  query(sql: string, params?: Params) {
    return this.call<Record<string, unknown>[]>({ op: 'query', sql, params });
  }
  execute(sql: string, params?: Params) {
    return this.call<ExecuteResult>({ op: 'execute', sql, params });
  }
  readOnlyQuery(sql: string, params?: Params, options: { limit?: number } = {}) {
    return this.call<{ columns: string[]; rows: Record<string, unknown>[]; truncated: boolean }>({ op: 'readonly', sql, params, limit: options.limit ?? 1000 });
  }
  async beginMigration(sql: string, version: number): Promise<PendingMigration> {
    let open!: () => void;
    const begun = this.call<MigrationResult>({ op: 'begin', sql, version });
    this.gate = new Promise<void>((resolve) => (open = resolve));
    let result: MigrationResult;
    try {
      result = await begun;
    } catch (err) {
      open();
      throw err;
    }
    let settled = false;
    const finish = async (op: 'commit' | 'rollback'): Promise<void> => {
      if (settled) return;
      settled = true;
      clearTimeout(abandon);
      try {
        await this.call<null>({ op }, true);
      } finally {
        open();
      }
    };
    const abandon = setTimeout(() => void finish('rollback').catch(() => undefined), Math.max(this.options.timeoutMs, 30_000));
    return { result, commit: () => finish('commit'), rollback: () => finish('rollback') };
  }
  catchUp(migrations: Array<{ version: number; sql: string }>) {
    return this.call<number>({ op: 'catchUp', migrations });
  }
  currentVersion() {
    return this.call<number>({ op: 'version' });
  }
  describe() {
    return this.call<TableInfo[]>({ op: 'describe' });
  }
  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const child = this.child;
    if (!child) return;
    this.child = null;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    });
  }
  /** For tests: the db process id, if running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }
}

/** One db host per tenant, started on first use and stopped after `idleMs` without calls. */
export function createTenantDbPool(options: { dataDir: string; logger?: Logger; queryTimeoutMs?: number; idleMs?: number }): TenantDbPool {
  const hosts = new Map<string, DbHost>();
  const dirOf = (tenantId: string): string => {
    if (!TENANT_ID.test(tenantId)) throw new TesseraError('INVALID_TENANT_ID', `Tenant id "${tenantId}" is not a DNS label.`);
    return path.join(options.dataDir, 'tenants', tenantId, 'db');
  };
  return {
    get(tenantId) {
      let host = hosts.get(tenantId);
      if (!host) {
        host = new DbHost(tenantId, path.join(dirOf(tenantId), 'app.sqlite'), { timeoutMs: options.queryTimeoutMs ?? 5000, idleMs: options.idleMs ?? 60_000, logger: options.logger });
        hosts.set(tenantId, host);
      }
      return host;
    },
    async close(tenantId) {
      await hosts.get(tenantId)?.close();
      hosts.delete(tenantId);
    },
    async remove(tenantId) {
      const dir = dirOf(tenantId);
      await this.close(tenantId);
      await rm(dir, { recursive: true, force: true });
    },
    async closeAll() {
      await Promise.all([...hosts.values()].map((host) => host.close()));
      hosts.clear();
    },
  };
}
