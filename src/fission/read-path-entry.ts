import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { TesseraError } from '../errors.ts';
import { readSecretFile } from './modules/secret-files.ts';
import { createRegistry, type Db } from '../registry/store.ts';
import { readPathHandlers, type FissionContext, type FissionHandler, type ReadPathName } from '../serving/index.ts';

/*
 * The entry of one read-path function exported to Fission: the same handlers the Tessera service
 * runs, over the central PostgreSQL (through pgbouncer in transaction mode: the registry's queries
 * are single statements or short transactions with unnamed prepared statements). Which handler and
 * which Secret are fixed at export time.
 */
declare const __TESSERA_READ_PATH__: { handler: ReadPathName; namespace: string; secret: string };

let handler: FissionHandler | undefined;

function optionalSecret(key: string): string | undefined {
  try {
    return readSecretFile(__TESSERA_READ_PATH__.namespace, __TESSERA_READ_PATH__.secret, key) || undefined;
  } catch {
    return undefined;
  }
}

/** The database migration a release was made at (its snapshot's `migration`; 0 for none). */
function migrationOf(text: string | null): number {
  if (text === null) return 0;
  const migration = (JSON.parse(text) as { migration?: unknown }).migration;
  return typeof migration === 'number' ? migration : 0;
}

/**
 * On a cluster this function only records deployments: it cannot apply a release's migrations to
 * the app's live database (the Tessera service does that, after a snapshot, all or nothing). A
 * release made at a newer migration than the live one is refused here rather than run on the old
 * schema; rolling back, or deploying a release of the same schema, needs no migration.
 */
async function refuseMigrations(registry: ReturnType<typeof createRegistry>, tenant: string, version: string): Promise<void> {
  const live = await registry.liveVersion(tenant);
  const current = live ? migrationOf(await registry.getRelease(tenant, live)) : 0;
  const target = migrationOf(await registry.getRelease(tenant, version));
  if (target > current)
    throw new TesseraError(
      'FORBIDDEN',
      `Release ${version} of "${tenant}" needs the live database at migration ${target} (the live release was made at ${current}); this read path cannot migrate live data. Deploy it through the Tessera service (tessera deploy ${tenant} ${version}), which applies the migrations after a snapshot.`,
    );
}

function open(): FissionHandler {
  const { namespace, secret, handler: name } = __TESSERA_READ_PATH__;
  const pool = new pg.Pool({ connectionString: readSecretFile(namespace, secret, 'database-url'), max: 4, idleTimeoutMillis: 30_000 });
  const registry = createRegistry(drizzle(pool) as unknown as Db, 'postgres', () => pool.end());
  const store = {
    liveVersion: (tenant: string) => registry.liveVersion(tenant),
    getRelease: (tenant: string, version: string) => registry.getRelease(tenant, version),
    listReleases: (tenant: string) => registry.listReleases(tenant),
    deploy: async (tenant: string, version: string, by: string) => {
      await refuseMigrations(registry, tenant, version);
      return registry.recordDeployment(tenant, version, by);
    },
  };
  const deployToken = optionalSecret('deploy-token');
  return readPathHandlers(store, deployToken ? { deployToken } : {})[name];
}

// Made `module.exports` itself by the bundler's footer, as Fission's Node.js environment expects.
export default async function readPath(context: FissionContext) {
  handler ??= open();
  return handler(context);
}
