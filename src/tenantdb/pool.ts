import { rm } from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { DbProcess } from './host.ts';
import { DEFAULT_MAX_DB_BYTES } from './engine.ts';
import { checkStatements, exactlyOne, type SqlMode } from './policy.ts';
import { DEFAULT_READONLY_LIMIT, type ExecuteResult, type MigrationResult, type ReadOnlyResult, type TableInfo } from './protocol.ts';
import { DEFAULT_DB_PROCESS_LIMITS, type DbProcessLimits } from './sandbox.ts';
import { splitStatements } from './split.ts';

type Params = unknown[] | Record<string, unknown>;

/** A migration applied inside a still-open transaction: commit() makes it permanent, rollback() undoes it. */
export interface PendingMigration {
  readonly result: MigrationResult;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** One tenant's database. Every call runs in the tenant's db host process, one at a time, in order. */
export interface TenantDb {
  /** One statement (function mode); returns its rows, or [] for a statement without rows. */
  query(sql: string, params?: Params): Promise<Record<string, unknown>[]>;
  /** One statement (function mode); returns what it changed. */
  execute(sql: string, params?: Params): Promise<ExecuteResult>;
  /** One read-only SELECT/WITH/EXPLAIN; at most `limit` rows (default 1000), `truncated` if there were more. */
  readOnlyQuery(sql: string, params?: Params, options?: { limit?: number }): Promise<ReadOnlyResult>;
  /**
   * Applies DDL as migration `version` (must be currentVersion() + 1) in one transaction and keeps
   * it open until commit()/rollback(); other calls for the tenant wait meanwhile. Not settled within
   * the migration timeout, it is rolled back. A failing statement rolls everything back and throws
   * SQL_ERROR naming the statement.
   */
  beginMigration(sql: string, version: number): Promise<PendingMigration>;
  /** Replays migrations above the database's `user_version`, each in its own transaction (repairs a crash between repo and db commit). Returns how many ran. */
  catchUp(migrations: Array<{ version: number; sql: string }>): Promise<number>;
  /** The number of the last migration applied (SQLite's `user_version`). */
  currentVersion(): Promise<number>;
  /** User tables and views with their columns, and row counts for tables. */
  describe(): Promise<TableInfo[]>;
  /** Stops the db process after the calls already queued; a later call starts it again. */
  close(): Promise<void>;
}

export interface TenantDbPool {
  /** The tenant's database (its process starts on first use). Throws INVALID_TENANT_ID for a malformed id. */
  get(tenantId: string): TenantDb;
  close(tenantId: string): Promise<void>;
  /** Closes the tenant's database and deletes its folder. */
  remove(tenantId: string): Promise<void>;
  closeAll(): Promise<void>;
}

export interface TenantDbPoolOptions {
  dataDir: string;
  logger?: Logger;
  /** Longest a single call may run before its process is killed (default 5000 ms). */
  queryTimeoutMs?: number;
  /** A process without calls for this long exits (default 60 s). */
  idleMs?: number;
  /** Longest a migration may wait for commit()/rollback() before it is rolled back (default 30 s). */
  migrationTimeoutMs?: number;
  /** Several replicas on one volume: each db process keeps its file locked while open (see Engine). */
  exclusive?: boolean;
  /** Size limit of each app's database (APP_DB_MAX_BYTES, default 1 GiB). */
  maxDbBytes?: number;
  /** Longest SQL text one call may send (SQL_MAX_BYTES, default 1 MiB). */
  maxSqlBytes?: number;
  /** Memory bounds of each db process (default DEFAULT_DB_PROCESS_LIMITS). */
  processLimits?: DbProcessLimits;
  /** 'process': plain processes even where bubblewrap works (tests of the fallback). Default 'auto'. */
  isolation?: 'auto' | 'process';
}

export const DEFAULT_MAX_SQL_BYTES = 1024 * 1024;

/**
 * SQL up to this size is split and checked on the platform too (about a millisecond at most); larger
 * SQL is checked only inside the tenant's db process, so a tenant's big statement costs its own
 * process the time, never the platform's event loop. The db process checks every statement anyway.
 */
export const HOST_CHECK_MAX_BYTES = 4 * 1024;

const TENANT_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The size of `sql` in UTF-8 bytes, without encoding it when its length alone settles it: a UTF-16
 * code unit is at least one UTF-8 byte and at most three.
 */
function sqlTooLarge(sql: string, maxBytes: number): boolean {
  if (sql.length > maxBytes) return true;
  if (sql.length * 3 <= maxBytes) return false;
  return Buffer.byteLength(sql, 'utf8') > maxBytes;
}

const inKib = (bytes: number): string => (bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB` : `${Math.round(bytes / 1024)} KiB`);

/** Refuses SQL over the size limit, in constant time for anything far over it. */
function checkSize(sql: unknown, maxBytes: number): void {
  if (typeof sql !== 'string') throw new TesseraError('INVALID_ARGUMENTS', `SQL must be a string, got ${sql === null ? 'null' : typeof sql}.`);
  if (!sqlTooLarge(sql, maxBytes)) return;
  throw new TesseraError(
    'SQL_REFUSED',
    `The SQL text is ${sql.length > maxBytes * 4 ? 'far ' : ''}over ${inKib(maxBytes)}, the most one call may send (SQL_MAX_BYTES); nothing was run. Send data as parameters of a short statement (and many rows over several calls), not inside the SQL text.`,
    {
      details: { limitBytes: maxBytes },
    },
  );
}

/**
 * Host-side check (the db process checks again): exactly one statement allowed in `mode`. Skipped
 * here for SQL above HOST_CHECK_MAX_BYTES, which only the db process splits and checks.
 */
function checkOne(sql: string, mode: SqlMode, maxBytes: number): void {
  checkSize(sql, maxBytes);
  if (sql.length > HOST_CHECK_MAX_BYTES) return;
  const statements = splitStatements(sql);
  if (statements.length !== 1) throw exactlyOne(statements.length);
  checkStatements(statements, mode);
}

interface TenantSettings {
  timeoutMs: number;
  idleMs: number;
  migrationTimeoutMs: number;
  exclusive?: boolean;
  maxBytes: number;
  maxSqlBytes: number;
  limits: DbProcessLimits;
  isolation: 'auto' | 'process';
  logger?: Logger | undefined;
}

class Tenant implements TenantDb {
  readonly host: DbProcess;
  private removed = false;
  private open: { rollback(): Promise<void> } | null = null;

  constructor(
    file: string,
    private readonly options: TenantSettings,
  ) {
    this.host = new DbProcess(file, options);
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    if (this.removed) return Promise.reject(new TesseraError('TENANT_NOT_FOUND', "This app's database was deleted."));
    return this.host.enqueue(task);
  }

  async query(sql: string, params?: Params): Promise<Record<string, unknown>[]> {
    checkOne(sql, 'function', this.options.maxSqlBytes);
    return this.run(() => this.host.call({ op: 'query', sql, params }));
  }

  async execute(sql: string, params?: Params): Promise<ExecuteResult> {
    checkOne(sql, 'function', this.options.maxSqlBytes);
    return this.run(() => this.host.call({ op: 'execute', sql, params }));
  }

  async readOnlyQuery(sql: string, params?: Params, options: { limit?: number } = {}): Promise<ReadOnlyResult> {
    checkOne(sql, 'readonly', this.options.maxSqlBytes);
    const limit = options.limit ?? DEFAULT_READONLY_LIMIT;
    if (!Number.isInteger(limit) || limit < 0) throw new TesseraError('INVALID_ARGUMENTS', `limit must be a whole number of rows (0 or more), got ${limit}.`);
    return this.run(() => this.host.call({ op: 'readonly', sql, params, limit }));
  }

  async beginMigration(sql: string, version: number): Promise<PendingMigration> {
    checkSize(sql, this.options.maxSqlBytes);
    // Large migrations are split and checked by the db process only (see HOST_CHECK_MAX_BYTES).
    if (sql.length <= HOST_CHECK_MAX_BYTES) {
      const statements = splitStatements(sql);
      if (statements.length === 0) throw new TesseraError('SQL_REFUSED', 'The migration holds no statement (only whitespace or comments).');
      checkStatements(statements, 'schema');
    }
    if (!Number.isInteger(version) || version < 1) throw new TesseraError('INTERNAL', `Migration version must be a positive integer, got ${version}.`);
    let release!: () => void;
    const settled = new Promise<void>((resolve) => (release = resolve));
    const begun = this.run(async () => {
      const result = await this.host.call<MigrationResult>({ op: 'migrate', sql, version, hold: true });
      // Hold the queue before this task ends, so no queued call slips in ahead of commit/rollback.
      this.host.holdUntil(settled);
      return { result, child: this.host.current() };
    });
    const { result, child } = await begun;
    let outcome: { op: 'commit' | 'rollback'; promise: Promise<void> } | null = null;
    let late = '';
    const settle = async (op: 'commit' | 'rollback'): Promise<void> => {
      try {
        const alive = child !== null && child === this.host.current();
        if (op === 'rollback') {
          if (alive) await this.host.callOn(child, { op: 'rollback' });
        } else if (alive) {
          await this.host.callOn(child, { op: 'commit' });
        } else {
          throw new TesseraError('SQL_ERROR', `The database process stopped before migration ${version} was committed; nothing was applied.`);
        }
      } finally {
        if (this.open === pending) this.open = null;
        release();
      }
    };
    const finish = (op: 'commit' | 'rollback'): Promise<void> => {
      if (outcome) {
        if (outcome.op === op) return outcome.promise;
        return Promise.reject(
          new TesseraError('INTERNAL', `Migration ${version} was already ${outcome.op === 'commit' ? 'committed' : `rolled back${late}`}.`),
        );
      }
      clearTimeout(abandon);
      outcome = { op, promise: settle(op) };
      return outcome.promise;
    };
    const abandon = setTimeout(() => {
      late = ` because neither commit() nor rollback() came within ${this.options.migrationTimeoutMs} ms; nothing was applied`;
      this.options.logger?.warn({ version }, 'migration neither committed nor rolled back in time; rolling back');
      finish('rollback').catch(() => undefined);
    }, this.options.migrationTimeoutMs);
    abandon.unref();
    const pending: PendingMigration = { result, commit: () => finish('commit'), rollback: () => finish('rollback') };
    this.open = pending;
    return pending;
  }

  catchUp(migrations: Array<{ version: number; sql: string }>): Promise<number> {
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    return this.run(async () => {
      let current = await this.host.call<number>({ op: 'version' });
      let applied = 0;
      for (const migration of sorted) {
        if (migration.version <= current) continue;
        try {
          // One call per migration: each gets its own timeout and its own transaction.
          await this.host.call<MigrationResult>({ op: 'migrate', sql: migration.sql, version: migration.version, hold: false });
        } catch (err) {
          if (!(err instanceof TesseraError)) throw err;
          const note = applied > 0 ? ` (${applied} earlier migration${applied === 1 ? ' was' : 's were'} applied)` : '';
          throw new TesseraError(err.code, `Replaying migration ${migration.version} failed${note}: ${err.message}`, {
            details: { ...err.details, version: migration.version },
            cause: err,
          });
        }
        current = migration.version;
        applied++;
      }
      return applied;
    });
  }

  currentVersion(): Promise<number> {
    return this.run(() => this.host.call<number>({ op: 'version' }));
  }

  describe(): Promise<TableInfo[]> {
    return this.run(() => this.host.call<TableInfo[]>({ op: 'describe' }));
  }

  async close(): Promise<void> {
    await this.open?.rollback().catch(() => undefined);
    await this.host.enqueue(() => this.host.stop());
  }

  /** Closes for good: later calls fail instead of re-creating the deleted folder. */
  async dispose(): Promise<void> {
    this.removed = true;
    await this.close();
  }
}

/**
 * One db host process per tenant, started on first use and stopped after `idleMs` without calls.
 * The file is `<dataDir>/tenants/<id>/db/app.sqlite`.
 */
export function createTenantDbPool(options: TenantDbPoolOptions): TenantDbPool {
  const tenants = new Map<string, Tenant>();
  const dirOf = (tenantId: string): string => {
    if (!TENANT_ID.test(tenantId)) {
      throw new TesseraError(
        'INVALID_TENANT_ID',
        `Tenant id ${JSON.stringify(tenantId)} is invalid: use 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.`,
      );
    }
    return path.join(options.dataDir, 'tenants', tenantId, 'db');
  };
  const settings = {
    timeoutMs: options.queryTimeoutMs ?? 5000,
    idleMs: options.idleMs ?? 60_000,
    migrationTimeoutMs: options.migrationTimeoutMs ?? 30_000,
    exclusive: options.exclusive ?? false,
    maxBytes: options.maxDbBytes ?? DEFAULT_MAX_DB_BYTES,
    maxSqlBytes: options.maxSqlBytes ?? DEFAULT_MAX_SQL_BYTES,
    limits: options.processLimits ?? DEFAULT_DB_PROCESS_LIMITS,
    isolation: options.isolation ?? 'auto',
    logger: options.logger,
  };
  return {
    get(tenantId) {
      let tenant = tenants.get(tenantId);
      if (!tenant) {
        tenant = new Tenant(path.join(dirOf(tenantId), 'app.sqlite'), { ...settings, logger: options.logger?.child({ tenant: tenantId }) });
        tenants.set(tenantId, tenant);
      }
      return tenant;
    },
    async close(tenantId) {
      await tenants.get(tenantId)?.close();
    },
    async remove(tenantId) {
      const dir = dirOf(tenantId);
      const tenant = tenants.get(tenantId);
      tenants.delete(tenantId);
      await tenant?.dispose();
      await rm(dir, { recursive: true, force: true });
    },
    async closeAll() {
      await Promise.all([...tenants.values()].map((tenant) => tenant.close()));
    },
  };
}
