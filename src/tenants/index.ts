import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../errors.ts';
import { KeyedLock } from '../lock.ts';
import type { Logger } from '../log.ts';
import { tenantIdSchema } from '../names.ts';
import type { PackageManager } from '../packages/index.ts';
import type { TenantStore } from '../registry/index.ts';
import type { FunctionRuntime } from '../runtime/index.ts';
import type { TenantDbPool } from '../tenantdb/index.ts';
import { openWorkspace } from '../workspace/index.ts';
import { Tenant, type AppFunction, type FunctionAccess, type TenantState, type TenantSummary } from './tenant.ts';

export {
  Tenant,
  migrationVersionOf,
  migrationsOf,
  accessOfManifest,
  functionManifestPath,
  functionManifestText,
  BLUEPRINT_FILE,
  FRONTEND_DIR,
  FUNCTION_ACCESS,
  FUNCTIONS_DIR,
  MIGRATIONS_DIR,
} from './tenant.ts';
export type { AppFunction, FunctionAccess, TenantState, TenantSummary };

/** Checks a tenant id (a DNS label); throws INVALID_TENANT_ID (400) with the rule. */
export function checkTenantId(id: unknown): string {
  const parsed = tenantIdSchema.safeParse(id);
  if (!parsed.success) {
    throw new TesseraError('INVALID_TENANT_ID', `Tenant id ${JSON.stringify(id)} is invalid: it ${parsed.error.issues[0]?.message ?? 'must be a DNS label'}.`);
  }
  return parsed.data;
}

export interface TenantManager {
  create(id: string): Promise<Tenant>;
  list(): Promise<string[]>;
  /** The tenant, loaded (and its artifacts built) on first use; TENANT_NOT_FOUND otherwise. */
  get(id: string): Promise<Tenant>;
  /** On this replica's disk (the tenant's holder asks this). */
  exists(id: string): boolean;
  /** Whether the tenant exists anywhere: in the registry (several replicas) or on disk. */
  known(id: string): Promise<boolean>;
  remove(id: string): Promise<void>;
  /** Runs `work` holding the tenant's write lock: one writer per tenant at a time. */
  withLock<T>(id: string, work: (tenant: Tenant) => Promise<T>): Promise<T>;
  /** Drops the tenant's loaded state here (another replica took it over); its files stay. */
  unload(id: string): void;
  isBusy(id: string): boolean;
  /** Waits (at most `timeoutMs`) until no tenant has work under its lock, e.g. before handing tenants over. */
  drain(timeoutMs: number): Promise<void>;
}

export function createTenantManager(options: {
  dataDir: string;
  dbPool: TenantDbPool;
  runtime: FunctionRuntime;
  registry: TenantStore;
  logger: Logger;
  packages: PackageManager;
  /** Each app's repository quota (APP_REPO_MAX_BYTES); none: unbounded. */
  repoMaxBytes?: number;
  /**
   * With several replicas on one volume: this replica's tenant leases. Then the registry, not a
   * directory listing, says which tenants exist (another node's listing of a network volume may lag),
   * and a tenant is opened only while its lease is held here, written only with time left on it.
   */
  leases?: { holds(id: string): boolean; assertHeld(id: string): void; claim(id: string): Promise<boolean> };
}): TenantManager {
  const root = path.join(options.dataDir, 'tenants');
  const loaded = new Map<string, Promise<Tenant>>();
  const lock = new KeyedLock();
  const tenantDir = (id: string): string => path.join(root, checkTenantId(id));

  function exists(id: string): boolean {
    return tenantIdSchema.safeParse(id).success && existsSync(path.join(tenantDir(id), 'repo', '.git'));
  }

  function get(id: string): Promise<Tenant> {
    checkTenantId(id);
    const { leases, registry } = options;
    let tenant = loaded.get(id);
    if (!tenant && !exists(id))
      return Promise.reject(new TesseraError('TENANT_NOT_FOUND', `Tenant "${id}" does not exist. Create it with POST /api/tenants {"id":"${id}"}.`));
    if (leases && !leases.holds(id)) {
      return Promise.reject(
        new TesseraError(
          'TENANT_UNAVAILABLE',
          `This replica does not hold "${id}" (another one serves it); nothing was read or changed. Retry: the request goes to the replica that holds it.`,
        ),
      );
    }
    if (!tenant) {
      // Every write to the repository checks the lease first: a write that outlived its lease is refused.
      const guard = leases ? () => leases.assertHeld(id) : undefined;
      tenant = Tenant.load(id, tenantDir(id), options.dbPool, options.logger, options.packages, {
        ...(guard ? { beforeWrite: guard } : {}),
        ...(options.repoMaxBytes !== undefined ? { maxBytes: options.repoMaxBytes } : {}),
      });
      // A tenant made before the registry listed tenants joins the list once its holder opens it.
      if (leases && registry)
        tenant = tenant.then(async (t) => {
          await registry.addTenant(id);
          return t;
        });
      tenant.catch(() => loaded.delete(id));
      loaded.set(id, tenant);
    }
    return tenant;
  }

  async function known(id: string): Promise<boolean> {
    if (!tenantIdSchema.safeParse(id).success) return false;
    if (options.leases && (await options.registry.hasTenant(id))) return true;
    return exists(id);
  }

  // Creation and removal also go through the tenant's lock, so they never race a tool call.
  const manager: TenantManager = {
    async create(id) {
      checkTenantId(id);
      // With replicas the creating replica takes the tenant's lease first (after authentication, so
      // anonymous requests make no lease rows); another replica holding it means the id is taken.
      if (options.leases && !(await options.leases.claim(id))) {
        throw new TesseraError(
          'TENANT_EXISTS',
          (await known(id)) ? `Tenant "${id}" already exists.` : `Tenant "${id}" is being created through another replica.`,
        );
      }
      return lock.run(id, async () => {
        options.leases?.assertHeld(id);
        // With replicas the registry decides too: this node's view of the volume may not show a
        // tenant another node made a moment ago, and the rename below would replace it.
        if (await known(id)) throw new TesseraError('TENANT_EXISTS', `Tenant "${id}" already exists.`);
        await mkdir(root, { recursive: true });
        // Build the repo beside its final place, then move it in: a crash leaves no half tenant.
        const staging = path.join(root, `.staging-${id}-${process.pid}-${Date.now()}`);
        await openWorkspace(path.join(staging, 'repo')).init(Tenant.initialFiles(id), `Create app ${id}`);
        options.leases?.assertHeld(id);
        await rm(tenantDir(id), { recursive: true, force: true });
        await rename(staging, tenantDir(id));
        await options.registry.addTenant(id);
        options.logger.info({ tenant: id }, 'tenant created');
        return get(id);
      });
    },
    async list() {
      if (options.leases) return options.registry.listTenants();
      const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isDirectory() && !e.name.startsWith('.') && exists(e.name))
        .map((e) => e.name)
        .sort();
    },
    get,
    exists,
    known,
    async remove(id) {
      await get(id);
      await lock.run(id, async () => {
        options.leases?.assertHeld(id);
        loaded.delete(id);
        await options.runtime.stopTenant(id);
        await options.dbPool.remove(id);
        await rm(tenantDir(id), { recursive: true, force: true });
        await options.registry.removeTenant(id);
        options.logger.info({ tenant: id }, 'tenant deleted');
      });
    },
    withLock(id, work) {
      return lock.run(id, async () => {
        options.leases?.assertHeld(id);
        return work(await get(id));
      });
    },
    unload(id) {
      loaded.delete(id);
    },
    isBusy: (id) => lock.isBusy(id),
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`tenant work still running after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([lock.idle(), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return manager;
}
