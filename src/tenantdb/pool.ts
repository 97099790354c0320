import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { DbProcess } from './host.ts';
import { DEFAULT_MAX_DB_BYTES } from './engine.ts';
import { checkStatements, exactlyOne, type SqlMode } from './policy.ts';
import {
  DEFAULT_READONLY_LIMIT,
  type DbOperation,
  type ExecuteResult,
  type ManyMigrationsResult,
  type MigrationResult,
  type ReadOnlyResult,
  type TableInfo,
} from './protocol.ts';
import { DEFAULT_DB_PROCESS_LIMITS, type DbProcessLimits } from './sandbox.ts';
import { splitStatements } from './split.ts';

type Params = unknown[] | Record<string, unknown>;

/** A migration applied inside a still-open transaction: commit() makes it permanent, rollback() undoes it. */
export interface PendingMigration<R = MigrationResult> {
  readonly result: R;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * Each app has two databases: `live` (what its released version serves, at `<app>.`) and `draft`
 * (what the agent's schema changes and `draft.<app>.` write). A draft experiment never touches live data.
 */
export type DbKind = 'live' | 'draft';

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
  /**
   * Applies consecutive migrations (a deploy's: those the release has and this database lacks) in ONE
   * transaction, held open like beginMigration; the result says what they would lose (dropped tables
   * or columns with rows, rows gone) so the caller can commit or roll back.
   */
  beginMigrations(migrations: Array<{ version: number; sql: string }>): Promise<PendingMigration<ManyMigrationsResult>>;
  /** A consistent copy of the database (VACUUM INTO) at `file`, relative to the database's folder, e.g. "snapshots/abc.sqlite". */
  copyTo(file: string): Promise<{ bytes: number }>;
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
  /** The tenant's live or draft database (its process starts on first use). Throws INVALID_TENANT_ID for a malformed id. */
  get(tenantId: string, kind: DbKind): TenantDb;
  /** Where a tenant's database of `kind` lives: its folder (the one its db process may write) and file. */
  location(tenantId: string, kind: DbKind): { dir: string; file: string };
  /**
   * Puts the file at `source` (a copy a db process wrote, e.g. a snapshot) in place of the tenant's
   * database of `kind`, atomically: after the calls already queued, its process stops, the old
   * file's journal is removed and `source` is renamed over it. `keepSource` copies instead of moving.
   */
  replace(tenantId: string, kind: DbKind, source: string, options?: { keepSource?: boolean }): Promise<void>;
  /** Whether the tenant's database of `kind` exists on disk yet. */
  exists(tenantId: string, kind: DbKind): boolean;
  /** Closes both of the tenant's databases (their processes stop; the next call starts them again). */
  close(tenantId: string): Promise<void>;
  /** Closes the tenant's databases and deletes their folders. */
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

/** fsync of a file or folder, so the rename that follows (or preceded) survives a power cut. */
async function syncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

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
    private readonly file: string,
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
    return this.hold<MigrationResult>({ op: 'migrate', sql, version, hold: true }, `Migration ${version}`);
  }

  async beginMigrations(migrations: Array<{ version: number; sql: string }>): Promise<PendingMigration<ManyMigrationsResult>> {
    if (migrations.length === 0) throw new TesseraError('INTERNAL', 'No migration to apply.');
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    const label = sorted.length === 1 ? `Migration ${sorted[0]!.version}` : `Migrations ${sorted[0]!.version}-${sorted[sorted.length - 1]!.version}`;
    return this.hold<ManyMigrationsResult>({ op: 'migrate-many', migrations: sorted, hold: true }, label);
  }

  copyTo(file: string): Promise<{ bytes: number }> {
    return this.run(() => this.host.call<{ bytes: number }>({ op: 'copy', file }));
  }

  /**
   * Sends a migration that leaves its transaction open and holds the queue until commit() or
   * rollback() (or the migration timeout, which rolls it back).
   */
  private async hold<R>(operation: DbOperation, label: string): Promise<PendingMigration<R>> {
    let release!: () => void;
    const settled = new Promise<void>((resolve) => (release = resolve));
    const begun = this.run(async () => {
      const result = await this.host.call<R>(operation);
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
          throw new TesseraError('SQL_ERROR', `The database process stopped before ${label.toLowerCase()} was committed; nothing was applied.`);
        }
      } finally {
        if (this.open === pending) this.open = null;
        release();
      }
    };
    const finish = (op: 'commit' | 'rollback'): Promise<void> => {
      if (outcome) {
        if (outcome.op === op) return outcome.promise;
        return Promise.reject(new TesseraError('INTERNAL', `${label} was already ${outcome.op === 'commit' ? 'committed' : `rolled back${late}`}.`));
      }
      clearTimeout(abandon);
      outcome = { op, promise: settle(op) };
      return outcome.promise;
    };
    const abandon = setTimeout(() => {
      late = ` because neither commit() nor rollback() came within ${this.options.migrationTimeoutMs} ms; nothing was applied`;
      this.options.logger?.warn({ label }, 'migration neither committed nor rolled back in time; rolling back');
      finish('rollback').catch(() => undefined);
    }, this.options.migrationTimeoutMs);
    abandon.unref();
    const pending: PendingMigration<R> = { result, commit: () => finish('commit'), rollback: () => finish('rollback') };
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

  /**
   * After the calls already queued: stops the process (closing the file, which checkpoints and
   * removes its write-ahead log) and renames `source` over the file. A log that is still there holds
   * committed data the old file lacks: then nothing is replaced (deleting it would lose that data,
   * keeping it would corrupt the new file).
   */
  swap(source: string, keepSource: boolean): Promise<void> {
    return this.run(async () => {
      const incoming = keepSource ? `${this.file}.incoming` : source;
      if (keepSource) {
        await copyFile(source, incoming);
        await syncPath(incoming);
      }
      await this.host.stop();
      for (const journal of [`${this.file}-wal`, `${this.file}-journal`]) {
        const size = await stat(journal).then(
          (s) => s.size,
          () => 0,
        );
        if (size > 0) {
          if (keepSource) await rm(incoming, { force: true });
          throw new TesseraError(
            'INTERNAL',
            `The database could not be replaced: its ${journal.endsWith('-wal') ? 'write-ahead log' : 'journal'} still holds changes; try again.`,
          );
        }
      }
      await rm(`${this.file}-wal`, { force: true });
      await rm(`${this.file}-shm`, { force: true });
      await mkdir(path.dirname(this.file), { recursive: true });
      await rename(incoming, this.file);
      await syncPath(path.dirname(this.file));
    });
  }

  /** Closes for good: later calls fail instead of re-creating the deleted folder. */
  async dispose(): Promise<void> {
    this.removed = true;
    await this.close();
  }
}

/**
 * Two db host processes per tenant (live and draft), each started on first use and stopped after
 * `idleMs` without calls. The live file is `<dataDir>/tenants/<id>/db/app.sqlite` (where the single
 * database of earlier versions was, so upgrading keeps live data live); the draft's is
 * `<dataDir>/tenants/<id>/draft-db/app.sqlite`. Each process may write only its own folder.
 */
export function createTenantDbPool(options: TenantDbPoolOptions): TenantDbPool {
  const tenants = new Map<string, Tenant>();
  const tenantDir = (tenantId: string): string => {
    if (!TENANT_ID.test(tenantId)) {
      throw new TesseraError(
        'INVALID_TENANT_ID',
        `Tenant id ${JSON.stringify(tenantId)} is invalid: use 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.`,
      );
    }
    return path.join(options.dataDir, 'tenants', tenantId);
  };
  const location = (tenantId: string, kind: DbKind): { dir: string; file: string } => {
    const dir = path.join(tenantDir(tenantId), kind === 'live' ? 'db' : 'draft-db');
    return { dir, file: path.join(dir, 'app.sqlite') };
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
  const get = (tenantId: string, kind: DbKind): Tenant => {
    const key = `${tenantId}/${kind}`;
    let tenant = tenants.get(key);
    if (!tenant) {
      tenant = new Tenant(location(tenantId, kind).file, { ...settings, logger: options.logger?.child({ tenant: tenantId, db: kind }) });
      tenants.set(key, tenant);
    }
    return tenant;
  };
  const both = (tenantId: string): Tenant[] => (['live', 'draft'] as const).flatMap((kind) => tenants.get(`${tenantId}/${kind}`) ?? []);
  return {
    get,
    location,
    exists: (tenantId, kind) => existsSync(location(tenantId, kind).file),
    replace: (tenantId, kind, source, replaceOptions = {}) => get(tenantId, kind).swap(source, replaceOptions.keepSource ?? false),
    async close(tenantId) {
      await Promise.all(both(tenantId).map((tenant) => tenant.close()));
    },
    async remove(tenantId) {
      const dirs = (['live', 'draft'] as const).map((kind) => location(tenantId, kind).dir);
      const open = both(tenantId);
      tenants.delete(`${tenantId}/live`);
      tenants.delete(`${tenantId}/draft`);
      await Promise.all(open.map((tenant) => tenant.dispose()));
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
    async closeAll() {
      await Promise.all([...tenants.values()].map((tenant) => tenant.close()));
    },
  };
}
