import { sql } from 'drizzle-orm';
import type { Db } from './db.ts';

/**
 * Tables a backup leaves out: who holds which tenant is a fact about the running replicas, not about
 * the platform's data; a restored platform takes its leases afresh.
 */
export const TABLES_NOT_BACKED_UP: readonly string[] = ['tenant_leases'];

/** Rows are read in pages (in one snapshot), so a big table never sits whole in memory. */
const PAGE_ROWS = 2000;

/** What a registry backup holds besides the rows: the schema it was read at, and each sequence's position. */
export interface RegistryDumpSummary {
  /** drizzle's hash of each applied migration, oldest first: the registry schema of the rows. */
  migrations: string[];
  /** Each table and how many rows it had. */
  tables: Array<{ name: string; rows: number }>;
  /** Each sequence of the public schema and its last value (null: never used). */
  sequences: Array<{ name: string; value: string | null }>;
}

export interface RegistryDumpStore {
  /**
   * Reads every table of the registry in ONE repeatable-read, read-only transaction (one snapshot,
   * while the platform goes on writing), handing each page of rows to `write` as JSON text
   * (PostgreSQL's own `row_to_json`, so every column type comes back through `json_populate_recordset`).
   */
  dumpRegistry(write: (table: string, rows: string[]) => Promise<void>): Promise<RegistryDumpSummary>;
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows?: T[] }).rows ?? (result as T[]);
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export function dumpStore(db: Db): RegistryDumpStore {
  return {
    dumpRegistry(write) {
      return db.transaction(
        async (tx) => {
          const migrations = rowsOf<{ hash: string }>(await tx.execute(sql`SELECT hash FROM drizzle.__drizzle_migrations ORDER BY created_at, id`)).map(
            (row) => row.hash,
          );
          const names = rowsOf<{ name: string }>(
            await tx.execute(
              sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
            ),
          )
            .map((row) => row.name)
            .filter((name) => !TABLES_NOT_BACKED_UP.includes(name));
          const tables: RegistryDumpSummary['tables'] = [];
          for (const name of names) {
            let count = 0;
            // Keyset pages on ctid: the same snapshot throughout, each page one short query.
            for (let after = '(0,0)'; ; ) {
              const page = rowsOf<{ at: string; row: string }>(
                await tx.execute(
                  sql.raw(
                    `SELECT ctid::text AS at, row_to_json(t)::text AS row FROM ${quote(name)} t WHERE ctid > '${after}'::tid ORDER BY ctid LIMIT ${PAGE_ROWS}`,
                  ),
                ),
              );
              if (page.length === 0) break;
              await write(
                name,
                page.map((r) => r.row),
              );
              count += page.length;
              after = page[page.length - 1]!.at;
              if (page.length < PAGE_ROWS) break;
            }
            tables.push({ name, rows: count });
          }
          const sequences = rowsOf<{ name: string; value: string | null }>(
            await tx.execute(sql`SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`),
          );
          return { migrations, tables, sequences };
        },
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      );
    },
  };
}
