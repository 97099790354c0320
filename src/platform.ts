import path from 'node:path';
import { buildAppAssets, buildServerRenderVendor, type AppAssets } from './bundler/index.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { openRegistry, type Registry } from './registry/index.ts';
import { createArtifactStore, Deployer, type ArtifactStore } from './releases/index.ts';
import { createLocalRuntime, type FunctionRuntime } from './runtime/index.ts';
import { StyleBuilder } from './styles/index.ts';
import { createTenantDbPool, type TenantDbPool } from './tenantdb/index.ts';
import { createTenantManager, type TenantManager } from './tenants/index.ts';

/** Everything the server needs, wired once: the composition root. */
export interface Platform {
  config: Config;
  logger: Logger;
  tenants: TenantManager;
  runtime: FunctionRuntime;
  dbPool: TenantDbPool;
  /** Control-plane state: PGlite in DATA_DIR, or PostgreSQL at DATABASE_URL. */
  registry: Registry;
  /** Content-addressed bundles of every release (DATA_DIR/artifacts). */
  artifacts: ArtifactStore;
  /** What each app serves live. */
  deployer: Deployer;
  /** Vendor bundles (React), the app shell and the import map: built once per process. */
  assets: AppAssets;
  /** Each app's Tailwind stylesheet (from its components' classes and its theme), with a compiled instance per tenant. */
  styles: StyleBuilder;
  close(): Promise<void>;
}

export async function createPlatform(config: Config, logger: Logger): Promise<Platform> {
  const registry = await openRegistry({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const dbPool = createTenantDbPool({ dataDir: config.dataDir, logger: logger.child({ module: 'tenantdb' }) });
  const runtime = createLocalRuntime({
    dataDir: config.dataDir,
    logger: logger.child({ module: 'runtime' }),
    limits: config.functions,
    db: (tenant) => dbPool.get(tenant),
    renderVendor: buildServerRenderVendor,
    warmPool: config.functions.warmPool,
  });
  const tenants = createTenantManager({ dataDir: config.dataDir, dbPool, runtime, registry, logger });
  const assets = await buildAppAssets();
  const artifacts = createArtifactStore(path.join(config.dataDir, 'artifacts'));
  const styles = new StyleBuilder();
  const deployer = new Deployer({ registry, store: artifacts, logger, styles });
  return {
    config,
    logger,
    tenants,
    runtime,
    dbPool,
    registry,
    artifacts,
    deployer,
    assets,
    styles,
    async close() {
      await runtime.close();
      await dbPool.closeAll();
      await registry.close();
    },
  };
}
