import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { createRegistry, type Db, type Registry } from './store.ts';

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export * from './store.ts';
export { assertEmptyDatabase, compareRegistrySchema, registryMigrationHashes, restoreRegistry, type RegistryRestoreInput } from './restore.ts';

/** What PostgreSQL answers a migrator that raced another one creating the same schema, table or type. */
const LOST_RACE = new Set(['23505', '42P06', '42P07', '42710', '40P01']);

function lostMigrationRace(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) if (LOST_RACE.has((e as { code?: string }).code ?? '')) return true;
  return false;
}

/**
 * Runs the migrator, again after a lost race. Replicas start together (a Deployment starts its pods
 * at once) and each migrates on start. drizzle's migrator reads the newest applied migration and then
 * applies the rest in one transaction, so of two racing replicas one commits and the other fails on a
 * duplicate table (its transaction rolled back, nothing half done); run again, it finds everything
 * applied. An advisory lock would serialize them more politely, but only a transaction-scoped one
 * works through pgbouncer in transaction mode, and the migrator's transaction is its own.
 */
async function migrateAlongsideOthers(migrate: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate();
    } catch (err) {
      if (!lostMigrationRace(err) || attempt >= 8) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}

/** Opens (and migrates) the registry: PostgreSQL when `databaseUrl` is set, else PGlite in `dataDir/registry`. */
export async function openRegistry(options: { databaseUrl?: string; dataDir?: string }): Promise<Registry> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    const db = drizzlePg(pool) as unknown as Db;
    await migrateAlongsideOthers(() => migratePg(drizzlePg(pool), { migrationsFolder: MIGRATIONS }));
    return createRegistry(db, 'postgres', () => pool.end());
  }
  let client: PGlite;
  if (options.dataDir) {
    const dir = path.join(options.dataDir, 'registry');
    mkdirSync(dir, { recursive: true });
    client = await PGlite.create(dir);
  } else {
    client = await PGlite.create();
  }
  const db = drizzlePglite(client);
  await migratePglite(db, { migrationsFolder: MIGRATIONS });
  return createRegistry(db as unknown as Db, 'pglite', () => client.close());
}
