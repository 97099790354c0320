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

export { createRegistry, type Db, type Registry, type ArtifactRecord, type ReleaseSummary, type AgentRunRecord, type CredentialKind, type CredentialRecord, type UserRecord, type Role, type AuditInput, type AuditRecord, type LeaseRecord } from './store.ts';

/** Opens (and migrates) the registry: PostgreSQL when `databaseUrl` is set, else PGlite in `dataDir/registry`. */
export async function openRegistry(options: { databaseUrl?: string; dataDir?: string }): Promise<Registry> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    const db = drizzlePg(pool) as unknown as Db;
    await migratePg(drizzlePg(pool), { migrationsFolder: MIGRATIONS });
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
