/**
 * The SQLite side of a db host process: one tenant's database file and the operations of the
 * protocol. Runs inside the child (db-process.ts); kept apart from the IPC loop so it stays small.
 * Every SQL text is split and checked against the policy again here (defence in depth).
 */
import Database from 'better-sqlite3';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../errors.ts';
import { checkStatements, exactlyOne, type SqlMode } from './policy.ts';
import {
  MAX_RESULT_BYTES,
  MAX_ROWS,
  type DataLoss,
  type ExecuteResult,
  type ManyMigrationsResult,
  type MigrationResult,
  type ReadOnlyResult,
  type TableInfo,
} from './protocol.ts';
import { splitStatements } from './split.ts';

type Row = Record<string, unknown>;

function normalize(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** better-sqlite3 binds numbers, strings, bigints, Buffers and null; make the common JS values fit. */
function bindValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function bindArgs(params: unknown): unknown[] {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) return params.map(bindValue);
  if (typeof params === 'object' && !Buffer.isBuffer(params)) {
    return [Object.fromEntries(Object.entries(params).map(([key, value]) => [key, bindValue(value)]))];
  }
  return [bindValue(params)];
}

const flat = (statement: string): string => statement.replace(/\s+/g, ' ').trim().slice(0, 200);

const MIB = 1024 * 1024;
const inMib = (bytes: number): string => `${Math.round((bytes / MIB) * 10) / 10} MiB`;

/** The SQLite result code of an error thrown by better-sqlite3 (SQLITE_FULL, SQLITE_NOMEM...). */
const sqliteCode = (err: unknown): string | undefined => (err as { code?: unknown } | null)?.code as string | undefined;

/** The error for a write SQLite refused because the database reached `max_page_count`. */
export function quotaExceeded(maxBytes: number, statement: string): TesseraError {
  return new TesseraError(
    'QUOTA_EXCEEDED',
    `The app's database is full: it may hold at most ${inMib(maxBytes)} (APP_DB_MAX_BYTES), and this write would pass that limit (or the server's disk is full). Nothing of this statement was written; reads and smaller writes still work. Delete rows or store less (e.g. files in @tessera/files instead of BLOBs). (in: ${flat(statement)})`,
    { details: { limitBytes: maxBytes, sql: statement.slice(0, 10_000) } },
  );
}

function outOfMemory(statement: string): TesseraError {
  return new TesseraError(
    'SQL_ERROR',
    `The statement needed more memory than the app's database may use: a value, row or intermediate result is too large (e.g. a huge zeroblob(), printf() width or string concatenation). Select smaller values (substr(), length()) or fewer rows. (in: ${flat(statement)})`,
    { details: { sql: statement.slice(0, 10_000) } },
  );
}

function sqlError(err: unknown, statement: string, maxBytes: number): TesseraError {
  if (err instanceof TesseraError) return err;
  if (sqliteCode(err) === 'SQLITE_FULL') return quotaExceeded(maxBytes, statement);
  if (sqliteCode(err) === 'SQLITE_NOMEM') return outOfMemory(statement);
  const message = err instanceof Error ? err.message : String(err);
  return new TesseraError('SQL_ERROR', `${message} (in: ${flat(statement)})`, { details: { sql: statement.slice(0, 10_000) }, cause: err });
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** fsync of a file or folder, so a rename that follows is durable. */
function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface TableShape {
  name: string;
  columns: string[];
  rows: number;
}

/**
 * What going from `before` to `after` loses: a table with rows that is gone (unless a new table with
 * as many rows and columns appeared: a rename), columns gone from a table with rows (unless
 * as many appeared: renamed), or fewer rows (a rebuild that dropped some).
 */
export function dataLoss(before: TableShape[], after: TableShape[]): DataLoss[] {
  const loss: DataLoss[] = [];
  const afterByName = new Map(after.map((table) => [table.name, table]));
  const beforeNames = new Set(before.map((table) => table.name));
  const appeared = after.filter((table) => !beforeNames.has(table.name));
  // A renamed table keeps its rows and its number of columns (some may have been renamed too).
  const sameShape = (a: TableShape, b: TableShape): boolean => a.rows === b.rows && a.columns.length === b.columns.length;
  for (const table of before) {
    const now = afterByName.get(table.name);
    if (!now) {
      const renamed = appeared.findIndex((t) => sameShape(t, table));
      if (renamed >= 0) appeared.splice(renamed, 1);
      else if (table.rows > 0) loss.push({ table: table.name, rows: table.rows, lost: 'table' });
      continue;
    }
    const gone = table.columns.filter((c) => !now.columns.includes(c));
    const added = now.columns.filter((c) => !table.columns.includes(c));
    if (gone.length > added.length && table.rows > 0) loss.push({ table: table.name, rows: table.rows, lost: 'columns', columns: gone });
    else if (now.rows < table.rows) loss.push({ table: table.name, rows: table.rows, lost: 'rows', rowsAfter: now.rows });
  }
  return loss;
}

/** Default size limit of one app's database (APP_DB_MAX_BYTES). */
export const DEFAULT_MAX_DB_BYTES = 1024 * MIB;

export interface EngineOptions {
  exclusive?: boolean;
  /** The most the database file may grow to (enforced by SQLite's max_page_count). */
  maxBytes?: number;
  /** better-sqlite3's native addon, by path (inside a sandbox `bindings` cannot search for it). */
  nativeBinding?: string;
}

export class Engine {
  private readonly db: Database.Database;
  private holding = false;
  private readonly maxBytes: number;
  /** The database's folder: the one place this process may write (copies go there too). */
  private readonly dir: string;

  /**
   * `exclusive` (several replicas on one network volume): SQLite keeps the file locked while it is
   * open, so a second opener elsewhere gets SQLITE_BUSY instead of a shared write (a fence below the
   * tenant lease, where the filesystem honours POSIX locks), and WAL then keeps its index in this
   * process's memory instead of a shared-memory file, which network filesystems cannot share.
   */
  constructor(file: string, options: EngineOptions = {}) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.dir = path.dirname(path.resolve(file));
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_DB_BYTES;
    this.db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    // First: a process letting go of the file (a replica handing the tenant over) is waited for.
    this.db.pragma('busy_timeout = 3000');
    if (options.exclusive) this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.limitSize();
    this.db.defaultSafeIntegers(true);
  }

  /**
   * The quota, inside SQLite itself: a write that would need a page past max_page_count fails with
   * SQLITE_FULL and is rolled back, whoever sends it (tenant SQL cannot change it: PRAGMA is refused).
   * A database already larger keeps its size (SQLite never sets the limit below the current page
   * count): it can be read and shrunk, not grown. The WAL is truncated after checkpoints so that
   * it does not keep the peak of a big transaction on disk.
   */
  private limitSize(): void {
    const pageSize = Number(this.db.pragma('page_size', { simple: true }));
    const pages = Math.max(1, Math.floor(this.maxBytes / pageSize));
    this.db.pragma(`max_page_count = ${pages}`);
    this.db.pragma(`journal_size_limit = ${Math.min(this.maxBytes, 64 * MIB)}`);
    // Temporary tables and sort spills in the process's memory, under its cap (not in files the quota does not see).
    this.db.pragma('temp_store = MEMORY');
  }

  /** One statement, checked for `mode`, prepared; SQLite errors become model-readable SQL_ERRORs. */
  private prepare(sql: string, mode: SqlMode): { statement: string; prepared: Database.Statement } {
    const statements = splitStatements(sql);
    if (statements.length !== 1) throw exactlyOne(statements.length);
    checkStatements(statements, mode);
    const statement = statements[0]!;
    try {
      return { statement, prepared: this.db.prepare(statement) };
    } catch (err) {
      throw sqlError(err, statement, this.maxBytes);
    }
  }

  /** Reads rows up to the bounds; over them either truncates (`truncateAt`) or fails asking for a LIMIT. */
  private collect(statement: string, prepared: Database.Statement, params: unknown, truncateAt?: number): { rows: Row[]; truncated: boolean } {
    const rows: Row[] = [];
    let bytes = 0;
    try {
      for (const raw of prepared.iterate(...bindArgs(params)) as Iterable<Row>) {
        if (truncateAt !== undefined && rows.length >= truncateAt) return { rows, truncated: true };
        if (rows.length >= MAX_ROWS) {
          throw new TesseraError(
            'SQL_ERROR',
            `The query returned more than ${MAX_ROWS} rows, the most one call may return. Add a LIMIT (and page with OFFSET or WHERE id > last id). (in: ${flat(statement)})`,
          );
        }
        for (const [key, value] of Object.entries(raw)) {
          bytes += key.length + (typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 8);
          raw[key] = normalize(value);
        }
        if (bytes > MAX_RESULT_BYTES) {
          if (truncateAt !== undefined) return { rows, truncated: true };
          throw new TesseraError(
            'SQL_ERROR',
            `The query result is larger than ${MAX_RESULT_BYTES / 1024 / 1024} MB (after ${rows.length} rows). Select fewer or smaller columns, or add a LIMIT. (in: ${flat(statement)})`,
          );
        }
        rows.push(raw);
      }
    } catch (err) {
      throw sqlError(err, statement, this.maxBytes);
    }
    return { rows, truncated: false };
  }

  query(sql: string, params: unknown): Row[] {
    const { statement, prepared } = this.prepare(sql, 'function');
    if (prepared.reader) return this.collect(statement, prepared, params).rows;
    this.run(statement, prepared, params);
    return [];
  }

  execute(sql: string, params: unknown): ExecuteResult {
    const { statement, prepared } = this.prepare(sql, 'function');
    return this.run(statement, prepared, params);
  }

  // run() steps once: enough for INSERT ... RETURNING too, since SQLite makes all its changes on the first step.
  private run(statement: string, prepared: Database.Statement, params: unknown): ExecuteResult {
    try {
      const info = prepared.run(...bindArgs(params));
      return { changes: info.changes, lastInsertRowid: normalize(info.lastInsertRowid) as number | string };
    } catch (err) {
      throw sqlError(err, statement, this.maxBytes);
    }
  }

  readonly(sql: string, params: unknown, limit: number): ReadOnlyResult {
    const { statement, prepared } = this.prepare(sql, 'readonly');
    if (!prepared.readonly || !prepared.reader) {
      throw new TesseraError(
        'SQL_REFUSED',
        `The statement was refused: it would change the database, and only read-only queries are allowed here (SELECT, WITH or EXPLAIN). Nothing was run. (statement: ${flat(statement)})`,
        { details: { statement: 1, sql: statement, mode: 'readonly' } },
      );
    }
    const { rows, truncated } = this.collect(statement, prepared, params, Math.max(0, Math.min(limit, MAX_ROWS)));
    return { columns: prepared.columns().map((c) => c.name), rows, truncated };
  }

  version(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  /** Applies one migration in a transaction; with `hold` the transaction stays open for commit()/rollback(). */
  migrate(sql: string, version: number, hold: boolean): MigrationResult {
    const { statements, tables } = this.migrateMany([{ sql, version }], hold, false);
    return { statements, version, tables };
  }

  /**
   * Applies consecutive migrations (the first must be version() + 1) in ONE transaction: all of them
   * or none. With `measureLoss`, what they would destroy is measured inside that transaction (tables
   * and row counts before and after; see dataLoss). With `hold` the transaction stays open for
   * commit()/rollback().
   */
  migrateMany(migrations: Array<{ sql: string; version: number }>, hold: boolean, measureLoss: boolean): ManyMigrationsResult {
    if (this.holding) throw new TesseraError('INTERNAL', 'A migration is already waiting for commit or rollback.');
    if (migrations.length === 0) throw new TesseraError('INTERNAL', 'No migration to apply.');
    const parsed = migrations.map((migration) => {
      const statements = splitStatements(migration.sql);
      if (statements.length === 0) throw new TesseraError('SQL_REFUSED', `Migration ${migration.version} holds no statement (only whitespace or comments).`);
      checkStatements(statements, 'schema');
      return { version: migration.version, statements };
    });
    const from = this.version();
    for (const [index, migration] of parsed.entries()) {
      if (migration.version !== from + index + 1) {
        throw new TesseraError(
          'INTERNAL',
          `Migration ${migration.version} cannot be applied: the database is at version ${from + index} and expects migration ${from + index + 1} next.`,
        );
      }
    }
    const before = measureLoss ? this.shape() : null;
    this.db.exec('BEGIN IMMEDIATE');
    let count = 0;
    for (const migration of parsed) {
      const { statements } = migration;
      for (const [index, statement] of statements.entries()) {
        try {
          const prepared = this.db.prepare(statement);
          if (prepared.reader) prepared.all();
          else prepared.run();
          count++;
        } catch (err) {
          // SQLite may already have rolled back on its own (SQLITE_FULL, SQLITE_NOMEM).
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
          const where = `${parsed.length > 1 ? `Migration ${migration.version}, statement` : 'Statement'} ${index + 1} of ${statements.length}`;
          const known = sqlError(err, statement, this.maxBytes);
          if (known.code !== 'SQL_ERROR' || sqliteCode(err) === 'SQLITE_NOMEM') {
            throw new TesseraError(known.code, `${where} failed; nothing was applied. ${known.message}`, {
              details: { ...known.details, statement: index + 1, version: migration.version },
              cause: err,
            });
          }
          const message = err instanceof Error ? err.message : String(err);
          throw new TesseraError('SQL_ERROR', `${where} failed: ${message}. Nothing was applied. (in: ${flat(statement)})`, {
            details: { statement: index + 1, version: migration.version, sql: statement },
            cause: err,
          });
        }
      }
    }
    const to = parsed[parsed.length - 1]!.version;
    let result: ManyMigrationsResult;
    try {
      this.db.pragma(`user_version = ${to}`);
      result = { statements: count, from, to, tables: this.describe(), loss: before ? dataLoss(before, this.shape()) : [] };
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    if (hold) this.holding = true;
    else this.db.exec('COMMIT');
    return result;
  }

  /** Each table's columns and row count: what a migration could lose. */
  private shape(): TableShape[] {
    return this.describe()
      .filter((table) => table.type === 'table')
      .map((table) => ({ name: table.name, columns: table.columns.map((c) => c.name), rows: table.rowCount ?? 0 }));
  }

  /**
   * A consistent copy of the database (SQLite's VACUUM INTO: compact, and a read transaction, so
   * writers are not blocked for long) to `file`, a path inside this database's folder, written to a
   * temporary name, synced, then renamed: a crash leaves the old copy or the new one, never half.
   */
  copyTo(file: string): { bytes: number } {
    if (!/^(?:[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*\.sqlite$/.test(file) || file.includes('..'))
      throw new TesseraError('INTERNAL', `A database copy must go to a .sqlite file inside the database's folder, not ${JSON.stringify(file)}.`);
    if (this.holding) throw new TesseraError('INTERNAL', 'The database cannot be copied while a migration waits for commit or rollback.');
    const target = path.join(this.dir, file);
    const temporary = `${target}.partial`;
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(temporary, { force: true });
    this.db.prepare('VACUUM INTO ?').run(temporary);
    syncFile(temporary);
    renameSync(temporary, target);
    syncFile(path.dirname(target));
    return { bytes: statSync(target).size };
  }

  commit(): void {
    if (!this.holding) throw new TesseraError('INTERNAL', 'There is no open migration to commit.');
    this.holding = false;
    this.db.exec('COMMIT');
  }

  rollback(): void {
    if (!this.holding) return;
    this.holding = false;
    this.db.exec('ROLLBACK');
  }

  describe(): TableInfo[] {
    // pragma_table_list tells virtual tables' shadow tables (fts5 _data, rtree _node...) apart: hide those.
    const objects = this.db
      .prepare(
        "SELECT l.name, l.type, s.sql FROM pragma_table_list AS l JOIN sqlite_schema AS s ON s.name = l.name WHERE l.schema = 'main' AND l.type IN ('table', 'view', 'virtual') AND l.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY l.name",
      )
      .all() as Array<{ name: string; type: 'table' | 'view' | 'virtual'; sql: string }>;
    return objects.map((object) => {
      // table_xinfo includes generated columns; hidden = 1 marks a virtual table's hidden columns.
      const columns = (
        this.db
          .prepare('SELECT name, type, "notnull" AS nn, dflt_value AS dflt, pk, hidden FROM pragma_table_xinfo(?) WHERE hidden <> 1')
          .all(object.name) as Array<{ name: string; type: string; nn: bigint; dflt: string | null; pk: bigint }>
      ).map((c) => ({
        name: c.name,
        type: c.type,
        notNull: Number(c.nn) === 1,
        defaultValue: c.dflt,
        primaryKey: Number(c.pk) > 0,
      }));
      const type = object.type === 'view' ? 'view' : 'table';
      const info: TableInfo = { name: object.name, type, sql: object.sql, columns };
      if (type === 'table') Object.assign(info, this.keysOf(object.name));
      if (type === 'table') info.rowCount = Number((this.db.prepare(`SELECT count(*) AS n FROM ${quoteName(object.name)}`).get() as { n: bigint }).n);
      return info;
    });
  }

  /** A table's foreign keys (one per constraint, its columns in order) and its indexes (with the implicit ones of UNIQUE and PRIMARY KEY). */
  private keysOf(table: string): Pick<TableInfo, 'foreignKeys' | 'indexes'> {
    const references = this.db
      .prepare(
        'SELECT id, seq, "table" AS target, "from" AS source, "to" AS targetColumn, on_delete AS onDelete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
      )
      .all(table) as Array<{ id: bigint; target: string; source: string; targetColumn: string | null; onDelete: string }>;
    const foreignKeys: Array<NonNullable<TableInfo['foreignKeys']>[number] & { id: number }> = [];
    for (const ref of references) {
      const last = foreignKeys[foreignKeys.length - 1];
      if (last && last.id === Number(ref.id)) {
        last.columns.push(ref.source);
        last.references.columns.push(ref.targetColumn ?? '');
      } else {
        foreignKeys.push({
          id: Number(ref.id),
          columns: [ref.source],
          references: { table: ref.target, columns: [ref.targetColumn ?? ''] },
          onDelete: ref.onDelete,
        });
      }
    }
    const indexes = (
      this.db.prepare('SELECT name, "unique" AS isUnique, origin FROM pragma_index_list(?) ORDER BY name').all(table) as Array<{
        name: string;
        isUnique: bigint;
        origin: string;
      }>
    ).map((index) => ({
      name: index.name,
      unique: Number(index.isUnique) === 1,
      // c: CREATE INDEX; u: a UNIQUE constraint; pk: the primary key.
      origin: index.origin === 'c' ? ('index' as const) : index.origin === 'u' ? ('unique' as const) : ('primary key' as const),
      columns: (this.db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(index.name) as Array<{ name: string | null }>).map(
        (c) => c.name ?? '(expression)',
      ),
    }));
    return { foreignKeys: foreignKeys.map(({ id: _id, ...key }) => key), indexes };
  }

  close(): void {
    this.rollback();
    this.db.close();
  }
}
