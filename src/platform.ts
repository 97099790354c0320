import path from 'node:path';
import { buildAppAssets, buildServerRenderVendor, closeBuildSandbox, configureBuildSandbox, type AppAssets } from './bundler/index.ts';
import { AppChecker } from './appcheck/index.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { PackageManager } from './packages/index.ts';
import { openRegistry, type Registry } from './registry/index.ts';
import { createArtifactStore, Deployer, type ArtifactStore } from './releases/index.ts';
import { createLocalRuntime, type FunctionRuntime } from './runtime/index.ts';
import { StyleBuilder } from './styles/index.ts';
import { createTenantDbPool, type TenantDbPool } from './tenantdb/index.ts';
import { createTenantManager, type TenantManager } from './tenants/index.ts';
import { LiveSnapshots, PeriodicSnapshots } from './snapshots/index.ts';
import { AuditLog } from './audit/index.ts';
import { AuthService, OidcSignIn } from './auth/index.ts';
import { AppUsers } from './app-users/index.ts';
import { EgressProxy } from './egress/index.ts';
import { AppMailer } from './email/index.ts';
import { Forwarder, LeasedPlacement, singleProcessPlacement, type TenantPlacement } from './replicas/index.ts';
import { loadSecretKey, maskSecrets, SecretStore } from './secrets/index.ts';

/** How long a stopping replica waits for its tenants' work in flight before handing them over (the manifests' grace period covers it). */
export const HANDOVER_DRAIN_MS = 20_000;

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
  /** Snapshots of each app's live database. */
  snapshots: LiveSnapshots;
  /** Snapshots of the live data of the apps held here, every SNAPSHOT_INTERVAL_MS when it changed. */
  periodicSnapshots: PeriodicSnapshots;
  /** Who calls the control plane: sessions, API tokens, TESSERA_TOKEN, sign-in links. */
  auth: AuthService;
  /** The people who use the generated apps (each app's own accounts and sessions). */
  appUsers: AppUsers;
  /** Sign-in through the configured identity provider, or null. */
  oidc: OidcSignIn | null;
  /** Who did what, when (in the registry). */
  audit: AuditLog;
  /** Tenant secrets, sealed in the registry. */
  secrets: SecretStore;
  /** Functions' outbound requests, to the hosts each app's owner allowed. */
  egress: EgressProxy;
  /** npm packages of tenant code: resolution, lockfiles, the shared package store (DATA_DIR/packages). */
  packages: PackageManager;
  /** Vendor bundles (React), the app shell and the import map: built once per process. */
  assets: AppAssets;
  /** Each app's Tailwind stylesheet (from its components' classes and its theme), with a compiled instance per tenant. */
  styles: StyleBuilder;
  /** Opens drafts in headless Chromium and visits every route (one browser per process, started on the first check). */
  appCheck: AppChecker;
  /** Which replica serves each tenant (one process: all here). */
  placement: TenantPlacement;
  /** Forwards requests for tenants held by another replica; null with one process. */
  forwarder: Forwarder | null;
  /**
   * Drops what this process keeps of a tenant beside its files and processes (its live view, its
   * stylesheet compiler, cached secrets and egress allowlist): after it was deleted here, or when
   * another replica took it over.
   */
  forgetTenant(id: string): void;
  /** Deletes a tenant (its files, processes and registry rows), forgets it here, and gives up its lease. */
  deleteTenant(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function createPlatform(config: Config, logger: Logger): Promise<Platform> {
  const registry = await openRegistry({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const dbPool = createTenantDbPool({
    dataDir: config.dataDir,
    logger: logger.child({ module: 'tenantdb' }),
    exclusive: Boolean(config.replica),
    maxDbBytes: config.appDb.maxBytes,
    maxSqlBytes: config.appDb.maxSqlBytes,
  });
  const audit = new AuditLog({ registry, logger: logger.child({ module: 'audit' }) });
  const auth = new AuthService({ registry, audit, ...(config.adminToken ? { fixedToken: config.adminToken } : {}), logger: logger.child({ module: 'auth' }) });
  const oidc = config.oidc ? new OidcSignIn(config.oidc) : null;
  const sealingKey = loadSecretKey({ configured: config.secretKey, dataDir: config.dataDir });
  const secrets = new SecretStore({ registry, key: sealingKey, logger: logger.child({ module: 'secrets' }) });
  const placement: TenantPlacement = config.replica
    ? new LeasedPlacement({ registry, url: config.replica.url, ttlMs: config.replica.leaseTtlMs, logger: logger.child({ module: 'replicas' }) })
    : singleProcessPlacement();
  const forwarder = config.replica ? new Forwarder(sealingKey, placement.id) : null;
  const egress = new EgressProxy({
    allowlist: async (tenant) => (await registry.listEgress(tenant)).filter((rule) => rule.status === 'allowed').map((rule) => rule.host),
    limits: config.egress,
    loopbackPorts: config.egress.loopbackPorts,
    dnsServers: config.egress.dnsServers,
  });
  if (config.egress.loopbackPorts.length || config.egress.dnsServers.length) {
    logger.warn(
      { loopbackPorts: config.egress.loopbackPorts, dnsServers: config.egress.dnsServers },
      'test-only egress settings are on: functions may reach these loopback ports / use these DNS servers',
    );
  }
  // Builds of tenant code and packages: a sandboxed worker per app (bundler/sandbox), this platform's limits.
  // One way out for an app's mail, its functions' and its users' reset mails alike.
  const mailer = new AppMailer({
    outbox: registry,
    secrets: async (tenant) => (await secrets.values(tenant)).values,
    destinations: egress,
    ratePerHour: config.email.ratePerHour,
    timeoutMs: config.egress.timeoutMs,
  });
  const builds = configureBuildSandbox({ ...config.builds, logger: logger.child({ module: 'builds' }) });
  const runtime = createLocalRuntime({
    dataDir: config.dataDir,
    logger: logger.child({ module: 'runtime' }),
    limits: config.functions,
    db: (tenant, kind) => dbPool.get(tenant, kind),
    renderVendor: buildServerRenderVendor,
    warmPool: config.functions.warmPool,
    secrets: (tenant) => secrets.values(tenant),
    mask: maskSecrets,
    egress,
    email: mailer,
  });
  const packages = new PackageManager({
    dataDir: config.dataDir,
    ...config.packages,
    appMaxBytes: config.quotas.packagesMaxBytes,
    logger: logger.child({ module: 'packages' }),
  });
  const tenants = createTenantManager({
    dataDir: config.dataDir,
    dbPool,
    runtime,
    registry,
    logger,
    packages,
    repoMaxBytes: config.quotas.repoMaxBytes,
    ...(placement.replicated ? { leases: placement } : {}),
  });
  const assets = await buildAppAssets();
  const artifacts = createArtifactStore(path.join(config.dataDir, 'artifacts'));
  const styles = new StyleBuilder();
  const snapshots = new LiveSnapshots({ registry, dbPool, logger: logger.child({ module: 'snapshots' }), retention: config.snapshots.retention });
  const periodicSnapshots = new PeriodicSnapshots({
    snapshots,
    dbPool,
    listApps: () => tenants.list(),
    holds: (id) => placement.holds(id),
    intervalMs: config.snapshots.intervalMs,
    logger: logger.child({ module: 'snapshots' }),
  });
  periodicSnapshots.start();
  const deployer = new Deployer({ registry, store: artifacts, logger, packages, styles, snapshots });
  const forgetTenant = (id: string): void => {
    deployer.forget(id);
    styles.forget(id);
    secrets.forget(id);
    egress.forget(id);
    periodicSnapshots.forget(id);
  };
  // Another replica took a tenant over: nothing of it may stay open or cached here.
  placement.onLost(async (tenant) => {
    tenants.unload(tenant);
    forgetTenant(tenant);
    // Awaited: the tenant is served here again (or handed over) only once its processes are gone.
    await Promise.allSettled([runtime.stopTenant(tenant), dbPool.close(tenant)]);
  });
  // A deploy recorded outside this replica (the read path's function on the cluster) goes live here too.
  placement.onLive((tenant, version) => deployer.syncLive(tenant, version));
  const appCheck = new AppChecker({ ...config.appCheck, logger: logger.child({ module: 'appcheck' }) });
  return {
    config,
    logger,
    tenants,
    runtime,
    dbPool,
    registry,
    artifacts,
    deployer,
    snapshots,
    periodicSnapshots,
    auth,
    appUsers: new AppUsers(registry, mailer),
    oidc,
    audit,
    secrets,
    egress,
    packages,
    assets,
    styles,
    appCheck,
    placement,
    forwarder,
    forgetTenant,
    async deleteTenant(id) {
      await tenants.remove(id);
      forgetTenant(id);
      await placement.release(id);
    },
    async close() {
      await periodicSnapshots.stop();
      // Tool calls and deploys in flight end (or fail on the fences) before the leases are released.
      await placement.close(() => tenants.drain(HANDOVER_DRAIN_MS));
      forwarder?.close();
      await appCheck.close();
      await runtime.close();
      await closeBuildSandbox(builds);
      await dbPool.closeAll();
      await registry.close();
    },
  };
}
