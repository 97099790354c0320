import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
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

function open(): FissionHandler {
  const { namespace, secret, handler: name } = __TESSERA_READ_PATH__;
  const pool = new pg.Pool({ connectionString: readSecretFile(namespace, secret, 'database-url'), max: 4, idleTimeoutMillis: 30_000 });
  const registry = createRegistry(drizzle(pool) as unknown as Db, 'postgres', () => pool.end());
  const store = {
    liveVersion: (tenant: string) => registry.liveVersion(tenant),
    getRelease: (tenant: string, version: string) => registry.getRelease(tenant, version),
    listReleases: (tenant: string) => registry.listReleases(tenant),
    deploy: (tenant: string, version: string, by: string) => registry.recordDeployment(tenant, version, by),
  };
  const deployToken = optionalSecret('deploy-token');
  return readPathHandlers(store, deployToken ? { deployToken } : {})[name];
}

// Made `module.exports` itself by the bundler's footer, as Fission's Node.js environment expects.
export default async function readPath(context: FissionContext) {
  handler ??= open();
  return handler(context);
}
