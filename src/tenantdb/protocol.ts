import { TesseraError, type TesseraErrorJSON } from '../errors.ts';

/**
 * Answer of a db process to 'open'. Checked by the platform: the compiled child file is shared by
 * every process using the same node_modules, so another Tessera version may have rewritten it.
 * Change it whenever the protocol changes.
 */
export const PROTOCOL = 'tessera-db/6';

/** Messages between the platform and a tenant's db host process (both sides import only this). */
export type DbOperation =
  /** `exclusive`: hold the file's lock for as long as it is open (several replicas on a network volume). */
  /** `maxBytes`: the database's size limit; `nativeBinding`: better-sqlite3's addon, by path. */
  | { op: 'open'; file: string; exclusive: boolean; maxBytes: number; nativeBinding?: string }
  | { op: 'query'; sql: string; params?: unknown }
  | { op: 'execute'; sql: string; params?: unknown }
  | { op: 'readonly'; sql: string; params?: unknown; limit: number }
  /** Applies one migration in a transaction; `hold` keeps it open for a later commit/rollback. */
  | { op: 'migrate'; sql: string; version: number; hold: boolean }
  /** Applies consecutive migrations in one transaction, measuring what they would lose (a deploy's migrations). */
  | { op: 'migrate-many'; migrations: Array<{ version: number; sql: string }>; hold: boolean }
  /** A consistent copy (VACUUM INTO) to a .sqlite path inside the database's folder. */
  | { op: 'copy'; file: string }
  | { op: 'commit' }
  | { op: 'rollback' }
  | { op: 'version' }
  | { op: 'describe' }
  /** What the process looks like from inside (tests and diagnostics: descriptors, memory, identity). */
  | { op: 'inspect' };

export type DbRequest = DbOperation & { id: number };

export type DbReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: TesseraErrorJSON };

/** A user table (or virtual table) or view, as the model and the UI see it. */
export interface TableInfo {
  name: string;
  type: 'table' | 'view';
  sql: string;
  columns: Array<{ name: string; type: string; notNull: boolean; defaultValue: string | null; primaryKey: boolean }>;
  /** Tables only. */
  rowCount?: number;
  /** Tables only: each FOREIGN KEY constraint, its columns in order. */
  foreignKeys?: Array<{ columns: string[]; references: { table: string; columns: string[] }; onDelete: string }>;
  /** Tables only: indexes, including the implicit ones of UNIQUE and PRIMARY KEY constraints. */
  indexes?: Array<{ name: string; unique: boolean; origin: 'index' | 'unique' | 'primary key'; columns: string[] }>;
}

/** What INSERT/UPDATE/DELETE did. `lastInsertRowid` is a string when beyond Number.MAX_SAFE_INTEGER. */
export interface ExecuteResult {
  changes: number;
  lastInsertRowid: number | string;
}

/** An applied (possibly not yet committed) migration: statement count, new version, resulting tables. */
export interface MigrationResult {
  statements: number;
  version: number;
  tables: TableInfo[];
}

/** What a set of migrations would destroy in one table. */
export type DataLoss =
  | { table: string; rows: number; lost: 'table' }
  | { table: string; rows: number; lost: 'columns'; columns: string[] }
  | { table: string; rows: number; lost: 'rows'; rowsAfter: number };

/** Migrations applied together (a deploy): from and to which version, and what they lose. */
export interface ManyMigrationsResult {
  statements: number;
  from: number;
  to: number;
  tables: TableInfo[];
  loss: DataLoss[];
}

export interface ReadOnlyResult {
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

/** The db process's view of itself, from inside its sandbox. */
export interface ProcessFacts {
  fds: number[];
  /** Descriptors closed at start because the process inherited them without close-on-exec. */
  closedAtStart: number[];
  /** Peak and current resident memory (VmHWM, VmRSS), in bytes. */
  peakRssBytes: number;
  rssBytes: number;
  /** Address space in use (VmSize): what `prlimit --as` bounds. */
  addressSpaceBytes: number;
  uid: number;
  hostname: string;
  /** Network interfaces other than loopback (none inside the sandbox). */
  interfaces: string[];
}

/** Bounds on what one query may return, so tenant code cannot make the platform hold gigabytes. */
export const MAX_ROWS = 10_000;
export const MAX_RESULT_BYTES = 8 * 1024 * 1024;
/** Rows readOnlyQuery returns unless told otherwise. */
export const DEFAULT_READONLY_LIMIT = 1000;

/** Rebuilds an error sent across the IPC channel. */
export function errorFromJSON(error: TesseraErrorJSON): TesseraError {
  return new TesseraError(error.code, error.message, error.details ? { details: error.details } : {});
}
