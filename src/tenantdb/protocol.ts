import type { TesseraErrorJSON } from '../errors.ts';

/** Messages between the platform and a tenant's db host process (both sides import only this). */
export type DbOperation =
  | { op: 'open'; file: string }
  | { op: 'query'; sql: string; params?: unknown }
  | { op: 'execute'; sql: string; params?: unknown }
  | { op: 'readonly'; sql: string; params?: unknown; limit: number }
  | { op: 'begin'; sql: string; version: number }
  | { op: 'commit' }
  | { op: 'rollback' }
  | { op: 'catchUp'; migrations: Array<{ version: number; sql: string }> }
  | { op: 'version' }
  | { op: 'describe' };

export type DbRequest = DbOperation & { id: number };

export type DbReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: TesseraErrorJSON };

export interface TableInfo {
  name: string;
  type: 'table' | 'view';
  sql: string;
  columns: Array<{ name: string; type: string; notNull: boolean; defaultValue: string | null; primaryKey: boolean }>;
  rowCount?: number;
}

export interface ExecuteResult {
  changes: number;
  lastInsertRowid: number | string;
}

export interface MigrationResult {
  statements: number;
  version: number;
  tables: TableInfo[];
}

/** Bounds on what one query may return, so a function cannot make the platform hold gigabytes. */
export const MAX_ROWS = 10_000;
export const MAX_RESULT_BYTES = 8 * 1024 * 1024;
