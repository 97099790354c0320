/**
 * The db host process: owns one tenant's SQLite file. Runs as a child of the platform so that a
 * runaway query (this SQLite build cannot be interrupted) only costs this process, which the
 * platform kills on timeout. Checks the SQL policy again before running anything.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TesseraError, toTesseraError } from '../errors.ts';
import { checkStatements, type SqlMode } from './policy.ts';
import { MAX_RESULT_BYTES, MAX_ROWS, type DbReply, type DbRequest, type ExecuteResult, type MigrationResult, type TableInfo } from './protocol.ts';
import { splitStatements } from './split.ts';

let db: Database.Database | null = null;
let inMigration = false;

function open(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 2000');
  db.defaultSafeIntegers(true);
}

function database(): Database.Database {
  if (!db) throw new TesseraError('INTERNAL', 'database not opened');
  return db;
}

function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  return value;
}

function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(row)) row[key] = normalize(row[key]);
  return row;
}

function sqlError(err: unknown, statement: string): TesseraError {
  if (err instanceof TesseraError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TesseraError('SQL_ERROR', `${message} (in: ${statement.replace(/\s+/g, ' ').slice(0, 200)})`, { details: { sql: statement } });
}

function single(sql: string, mode: SqlMode): string {
  const statements = splitStatements(sql);
  if (statements.length !== 1) throw new TesseraError('SQL_ERROR', `Expected exactly one SQL statement, got ${statements.length}. Send one statement per call.`);
  checkStatements(statements, mode);
  return statements[0]!;
}

function bind(params: unknown): unknown[] {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) return params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
  if (typeof params === 'object') return [params];
  return [params];
}

function collect(statement: Database.Statement, params: unknown, limit = MAX_ROWS): { rows: Record<string, unknown>[]; truncated: boolean } {
  const rows: Record<string, unknown>[] = [];
  let bytes = 0;
  for (const row of statement.iterate(...bind(params)) as Iterable<Record<string, unknown>>) {
    if (rows.length >= limit) {
      if (limit < MAX_ROWS) return { rows, truncated: true };
      throw new TesseraError('SQL_ERROR', `The query returned more than ${MAX_ROWS} rows; add a LIMIT (and paginate).`);
    }
    for (const value of Object.values(row)) bytes += typeof value === 'string' ? value.length : Buffer.isBuffer(value) ? value.length : 8;
    if (bytes > MAX_RESULT_BYTES) throw new TesseraError('SQL_ERROR', `The query result is larger than ${MAX_RESULT_BYTES / 1024 / 1024} MB; select fewer columns or add a LIMIT.`);
    rows.push(normalizeRow(row));
  }
  return { rows, truncated: false };
}

function run(sql: string, mode: SqlMode, params: unknown): ExecuteResult {
  const statement = single(sql, mode);
  try {
    const prepared = database().prepare(statement);
    if (prepared.reader) {
      collect(prepared, params);
      return { changes: 0, lastInsertRowid: 0 };
    }
    const info = prepared.run(...bind(params));
    return { changes: info.changes, lastInsertRowid: normalize(info.lastInsertRowid) as number | string };
  } catch (err) {
    throw sqlError(err, statement);
  }
}

function describe(): TableInfo[] {
  const d = database();
  const objects = d.prepare("SELECT name, type, sql FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string; type: 'table' | 'view'; sql: string }>;
  return objects.map((object) => {
    const columns = (d.prepare('SELECT name, type, "notnull" AS nn, dflt_value AS defaultValue, pk FROM pragma_table_info(?)').all(object.name) as Array<{ name: string; type: string; nn: bigint; defaultValue: string | null; pk: bigint }>).map((c) => ({
      name: c.name,
      type: c.type,
      notNull: Number(c.nn) === 1,
      defaultValue: c.defaultValue,
      primaryKey: Number(c.pk) > 0,
    }));
    const info: TableInfo = { name: object.name, type: object.type, sql: object.sql, columns };
    if (object.type === 'table') info.rowCount = Number((d.prepare(`SELECT count(*) AS n FROM "${object.name.replace(/"/g, '""')}"`).get() as { n: bigint }).n);
    return info;
  });
}

function version(): number {
  return Number(database().pragma('user_version', { simple: true }));
}

function applyMigration(sql: string, target: number): number {
  const statements = splitStatements(sql);
  checkStatements(statements, 'schema');
  if (target !== version() + 1) throw new TesseraError('INTERNAL', `Migration ${target} does not follow the database's version ${version()}.`);
  const d = database();
  d.exec('BEGIN IMMEDIATE');
  for (const [index, statement] of statements.entries()) {
    try {
      const prepared = d.prepare(statement);
      if (prepared.reader) prepared.all();
      else prepared.run();
    } catch (err) {
      d.exec('ROLLBACK');
      const message = err instanceof Error ? err.message : String(err);
      throw new TesseraError('SQL_ERROR', `Statement ${index + 1} of ${statements.length} failed: ${message} (in: ${statement.replace(/\s+/g, ' ').slice(0, 200)}). Nothing was applied.`, {
        details: { statement: index + 1, sql: statement },
      });
    }
  }
  d.pragma(`user_version = ${target}`);
  return statements.length;
}

function handle(request: DbRequest): unknown {
  switch (request.op) {
    case 'open':
      return open(request.file);
    case 'query': {
      const statement = single(request.sql, 'function');
      try {
        const prepared = database().prepare(statement);
        if (!prepared.reader) {
          prepared.run(...bind(request.params));
          return [];
        }
        return collect(prepared, request.params).rows;
      } catch (err) {
        throw sqlError(err, statement);
      }
    }
    case 'execute':
      return run(request.sql, 'function', request.params);
    case 'readonly': {
      const statement = single(request.sql, 'readonly');
      try {
        const prepared = database().prepare(statement);
        if (!prepared.readonly || !prepared.reader) throw new TesseraError('SQL_REFUSED', 'Only read-only queries are allowed here.');
        const { rows, truncated } = collect(prepared, request.params, request.limit);
        return { columns: prepared.columns().map((c) => c.name), rows, truncated };
      } catch (err) {
        throw sqlError(err, statement);
      }
    }
    case 'begin': {
      const statements = applyMigration(request.sql, request.version);
      inMigration = true;
      const result: MigrationResult = { statements, version: request.version, tables: describe() };
      return result;
    }
    case 'commit':
      if (inMigration) database().exec('COMMIT');
      inMigration = false;
      return null;
    case 'rollback':
      if (inMigration) database().exec('ROLLBACK');
      inMigration = false;
      return null;
    case 'catchUp': {
      let applied = 0;
      for (const migration of request.migrations) {
        if (migration.version <= version()) continue;
        applyMigration(migration.sql, migration.version);
        database().exec('COMMIT');
        applied++;
      }
      return applied;
    }
    case 'version':
      return version();
    case 'describe':
      return describe();
  }
}

process.on('message', (request: DbRequest) => {
  let reply: DbReply;
  try {
    reply = { id: request.id, ok: true, value: handle(request) ?? null };
  } catch (err) {
    reply = { id: request.id, ok: false, error: toTesseraError(err).toJSON() };
  }
  process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));
