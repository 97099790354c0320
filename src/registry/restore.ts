import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Rows per INSERT: one JSON array of this many rows, turned into records by PostgreSQL itself. */
const BATCH_ROWS = 500;

/** drizzle's hash of each migration this code has, oldest first (what `__drizzle_migrations` records). */
export function registryMigrationHashes(): string[] {
  return readMigrationFiles({ migrationsFolder: MIGRATIONS }).map((m) => m.hash);
}

/**
 * How a backup's registry schema (its applied migrations' hashes) compares with this code's:
 * `newer` and `different` cannot be restored by this version of Tessera.
 */
export function compareRegistrySchema(hashes: readonly string[]): 'same' | 'older' | 'newer' | 'different' {
  const ours = registryMigrationHashes();
  if (hashes.some((hash, i) => i < ours.length && ours[i] !== hash)) return 'different';
  if (hashes.length > ours.length) return 'newer';
  return hashes.length === ours.length ? 'same' : 'older';
}

/** What a restore writes into an empty registry. */
export interface RegistryRestoreInput {
  /** The backup's migrations (hashes, oldest first): exactly these are applied before the rows go in. */
  migrations: readonly string[];
  /** The backed-up tables. */
  tables: readonly string[];
  /** A table's rows (row_to_json text), a page at a time. */
  rows(table: string): AsyncIterable<string[]>;
  sequences: ReadonlyArray<{ name: string; value: string | null }>;
}

interface SqlClient {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Throws unless the PostgreSQL database at `databaseUrl` has no tables, views or sequences of its own (and no drizzle schema). */
export async function assertEmptyDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`,
    );
    if (Number(rows[0]?.n ?? 0) > 0)
      throw new Error(`The database at DATABASE_URL is not empty (it has ${rows[0]!.n} tables, indexes or sequences); restore into a new, empty database.`);
  } finally {
    await client.end();
  }
}

/** Tables in an order that inserts parents before the tables whose foreign keys name them. */
async function insertionOrder(client: SqlClient, tables: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`,
  );
  const ordered: string[] = [];
  const pending = new Set(tables);
  while (pending.size) {
    const ready = [...pending].filter((t) => !rows.some((r) => r.child === t && pending.has(r.parent)));
    if (!ready.length) throw new Error(`The registry's foreign keys form a cycle among ${[...pending].join(', ')}.`);
    for (const table of ready.sort()) {
      ordered.push(table);
      pending.delete(table);
    }
  }
  return ordered;
}

async function load(client: SqlClient, input: RegistryRestoreInput): Promise<void> {
  const ours = readMigrationFiles({ migrationsFolder: MIGRATIONS });
  // The schema exactly as the backup's rows had it: its migrations, recorded as drizzle's migrator
  // would, so the platform's next start applies the newer ones on top (and migrates the rows too).
  await client.query('CREATE SCHEMA IF NOT EXISTS drizzle');
  await client.query('CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
  for (const [i, hash] of input.migrations.entries()) {
    const migration = ours[i];
    if (!migration || migration.hash !== hash) throw new Error(`The backup's registry migration ${i + 1} is not one this version of Tessera has.`);
    for (const statement of migration.sql) if (statement.trim()) await client.query(statement);
    await client.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [migration.hash, migration.folderMillis]);
  }
  const existing = new Set(
    (
      await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      )
    ).rows.map((r) => r.name),
  );
  const unknown = input.tables.filter((t) => !existing.has(t));
  if (unknown.length) throw new Error(`The backup has rows of tables its registry schema does not have: ${unknown.join(', ')}.`);
  for (const table of await insertionOrder(client, input.tables)) {
    for await (const page of input.rows(table)) {
      for (let i = 0; i < page.length; i += BATCH_ROWS) {
        // OVERRIDING SYSTEM VALUE keeps identity columns' ids as they were (serial ones are kept anyway).
        await client.query(`INSERT INTO ${quote(table)} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${quote(table)}, $1::json)`, [
          `[${page.slice(i, i + BATCH_ROWS).join(',')}]`,
        ]);
      }
    }
  }
  const sequences = new Set(
    (await client.query<{ name: string }>(`SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'`)).rows.map((r) => r.name),
  );
  for (const { name, value } of input.sequences) {
    if (!sequences.has(name)) throw new Error(`The backup names a sequence its registry schema does not have: ${name}.`);
    if (value !== null) await client.query('SELECT setval($1::regclass, $2::bigint, true)', [quote(name), value]);
  }
}

/**
 * Creates the registry schema (the backup's migrations) and inserts every row, in ONE transaction:
 * into PostgreSQL at `databaseUrl` (which must be empty), else a new PGlite in `dataDir/registry`.
 * A failure leaves the database as it was (PGlite's folder is the caller's to remove).
 */
export async function restoreRegistry(target: { databaseUrl?: string; dataDir: string }, input: RegistryRestoreInput): Promise<void> {
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      try {
        await load(client, input);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      await client.end();
    }
    return;
  }
  const dir = path.join(target.dataDir, 'registry');
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  try {
    await client.transaction((tx) => load(tx, input));
  } finally {
    await client.close();
  }
}
