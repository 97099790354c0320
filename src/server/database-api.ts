import { Hono } from 'hono';
import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import type { TableInfo, TenantDb } from '../tenantdb/index.ts';
import type { Tenant } from '../tenants/index.ts';
import { routePolicies, type Env } from './policy.ts';
import { databaseOf, readBody } from './validate.ts';

/** A cell's value as JSON carries it: SQLite's TEXT, INTEGER/REAL, or NULL (booleans are stored as 1/0). */
const cell = z.union([z.string().max(1_000_000), z.number(), z.boolean(), z.null()]);
const cells = z.record(z.string().min(1).max(200), cell);
const insertBody = z.object({ values: cells }).strict();
const updateBody = z.object({ key: cells, values: cells }).strict();
const deleteBody = z.object({ key: cells }).strict();

/** `"name"`, with inner quotes doubled: only for names already found in the schema. */
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const bound = (value: z.infer<typeof cell>): unknown => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

/** The table `name` of the app's database, or NOT_FOUND listing the tables (a view cannot be written here). */
async function tableOf(db: TenantDb, name: string): Promise<TableInfo> {
  const tables = await db.describe();
  const table = tables.find((t) => t.name === name);
  if (!table) throw new TesseraError('NOT_FOUND', `No table "${name}". Tables: ${tables.map((t) => t.name).join(', ') || '(none)'}.`);
  if (table.type !== 'table') throw new TesseraError('INVALID_ARGUMENTS', `"${name}" is a view: its rows cannot be edited here, only those of tables.`);
  return table;
}

/**
 * The row editor writes the draft's data only: live data belongs to the app's users and changes
 * through the app, or back to a snapshot (docs/data-safety.md), never by hand from the builder.
 */
function draftOnly(tenant: Tenant, database: 'draft' | 'live'): TenantDb {
  if (database === 'live')
    throw new TesseraError(
      'FORBIDDEN',
      "Live data is not edited from the builder: the row editor writes the draft's database (its data can be refreshed from live). Live data changes through the app itself, or back to a snapshot.",
    );
  return tenant.draftDb;
}

/** The columns named in `values`, each checked against the table's columns (never used unchecked). */
function columnsOf(table: TableInfo, values: Record<string, unknown>, field: 'values' | 'key'): string[] {
  const names = Object.keys(values);
  const known = new Set(table.columns.map((c) => c.name));
  const unknown = names.filter((name) => !known.has(name) && !(field === 'key' && name === 'rowid'));
  if (unknown.length) {
    throw new TesseraError(
      'INVALID_ARGUMENTS',
      `${field}: table "${table.name}" has no column ${unknown.map((n) => `"${n}"`).join(', ')}. Columns: ${table.columns.map((c) => c.name).join(', ')}.`,
      { details: { problems: unknown.map((name) => ({ message: `${field}.${name}: no such column` })) } },
    );
  }
  return names;
}

/**
 * The WHERE clause naming exactly one row: all the primary key's columns, or `rowid` for a table
 * without a primary key (a key that could match several rows is refused rather than guessed at).
 */
function whereKey(table: TableInfo, key: Record<string, z.infer<typeof cell>>): { sql: string; params: unknown[] } {
  const names = columnsOf(table, key, 'key');
  const primary = table.columns.filter((c) => c.primaryKey).map((c) => c.name);
  const expected = primary.length ? primary : ['rowid'];
  const fits = names.length === expected.length && expected.every((n) => names.includes(n));
  if (!fits && !(names.length === 1 && names[0] === 'rowid')) {
    throw new TesseraError(
      'INVALID_ARGUMENTS',
      `key: a row of "${table.name}" is named by ${expected.map((n) => `"${n}"`).join(' and ')} (got ${names.join(', ') || 'nothing'}).`,
      {
        details: { problems: [{ message: `key: expected ${expected.join(', ')}` }] },
      },
    );
  }
  if (names.some((n) => key[n] === null)) throw new TesseraError('INVALID_ARGUMENTS', 'key: a key value cannot be null (no row has a null key to match).');
  return { sql: names.map((n) => `${n === 'rowid' ? 'rowid' : quote(n)} = ?`).join(' AND '), params: names.map((n) => bound(key[n]!)) };
}

const describeKey = (key: Record<string, unknown>): string =>
  Object.entries(key)
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join(', ');

/**
 * Rows of an app's tables, written by people in the builder's row editor: one parameterized
 * statement per change, table and column names checked against the schema, values bound. They run
 * through the same db process as the app's functions' writes (which serializes them with a migration
 * in progress), so a constraint the database enforces refuses the change as it would a function's.
 */
export function databaseApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { requireRole, audited } = routePolicies(platform);

  api.post(
    '/tenants/:id/database/tables/:table/rows',
    audited('row.insert', { target: 'table' }),
    requireRole('editor', 'editing rows'),
    async function insertRow(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const { values } = await readBody(c, insertBody, { hint: 'Send {"values": {"<column>": <value>, ...}}.' });
      const db = draftOnly(tenant, databaseOf(c));
      const table = await tableOf(db, c.req.param('table'));
      const names = columnsOf(table, values, 'values');
      const sql = names.length
        ? `INSERT INTO ${quote(table.name)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')}) RETURNING *`
        : `INSERT INTO ${quote(table.name)} DEFAULT VALUES RETURNING *`;
      const [row] = await db.query(
        sql,
        names.map((n) => bound(values[n]!)),
      );
      return c.json({ changes: 1, row: row ?? null }, 201);
    },
  );

  api.patch(
    '/tenants/:id/database/tables/:table/rows',
    audited('row.update', { target: 'table' }),
    requireRole('editor', 'editing rows'),
    async function updateRow(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const { key, values } = await readBody(c, updateBody, { hint: 'Send {"key": {"<primary key column>": <value>}, "values": {"<column>": <value>, ...}}.' });
      const db = draftOnly(tenant, databaseOf(c));
      const table = await tableOf(db, c.req.param('table'));
      const where = whereKey(table, key);
      const names = columnsOf(table, values, 'values');
      if (!names.length) throw new TesseraError('INVALID_ARGUMENTS', 'values: name at least one column to change.');
      const rows = await db.query(`UPDATE ${quote(table.name)} SET ${names.map((n) => `${quote(n)} = ?`).join(', ')} WHERE ${where.sql} RETURNING *`, [
        ...names.map((n) => bound(values[n]!)),
        ...where.params,
      ]);
      if (!rows.length) throw new TesseraError('NOT_FOUND', `No row of "${table.name}" with ${describeKey(key)}.`);
      return c.json({ changes: rows.length, row: rows[0] });
    },
  );

  api.delete(
    '/tenants/:id/database/tables/:table/rows',
    audited('row.delete', { target: 'table' }),
    requireRole('editor', 'editing rows'),
    async function deleteRow(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const { key } = await readBody(c, deleteBody, { hint: 'Send {"key": {"<primary key column>": <value>}}.' });
      const db = draftOnly(tenant, databaseOf(c));
      const table = await tableOf(db, c.req.param('table'));
      const where = whereKey(table, key);
      const { changes } = await db.execute(`DELETE FROM ${quote(table.name)} WHERE ${where.sql}`, where.params);
      if (!changes) throw new TesseraError('NOT_FOUND', `No row of "${table.name}" with ${describeKey(key)}.`);
      return c.json({ changes });
    },
  );

  api.post(
    '/tenants/:id/database/refresh-draft',
    audited('database.refresh-draft'),
    requireRole('editor', "refreshing the draft's data"),
    async function refreshDraft(c) {
      await readBody(c, z.object({}).strict(), { hint: 'Send {} (nothing to choose: the draft gets a copy of the live data).' });
      const result = await platform.tenants.withLock(c.req.param('id'), (tenant) => tenant.refreshDraftFromLive());
      return c.json(result);
    },
  );

  return api;
}
