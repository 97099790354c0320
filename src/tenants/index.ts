import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../errors.ts';
import { KeyedLock } from '../lock.ts';
import type { Logger } from '../log.ts';
import { tenantIdSchema } from '../names.ts';
import type { PackageManager } from '../packages/index.ts';
import type { Registry } from '../registry/index.ts';
import type { FunctionRuntime } from '../runtime/index.ts';
import type { TenantDbPool } from '../tenantdb/index.ts';
import { openWorkspace } from '../workspace/index.ts';
import { Tenant, type TenantState, type TenantSummary } from './tenant.ts';

export { Tenant, migrationVersionOf, BLUEPRINT_FILE, FRONTEND_DIR, FUNCTIONS_DIR, MIGRATIONS_DIR } from './tenant.ts';
export type { TenantState, TenantSummary };

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
  exists(id: string): boolean;
  remove(id: string): Promise<void>;
  /** Runs `work` holding the tenant's write lock: one writer per tenant at a time. */
  withLock<T>(id: string, work: (tenant: Tenant) => Promise<T>): Promise<T>;
  /** Drops the tenant's loaded state here (another replica took it over); its files stay. */
  unload(id: string): void;
  isBusy(id: string): boolean;
}

export function createTenantManager(options: {
  dataDir: string;
  dbPool: TenantDbPool;
  runtime: FunctionRuntime;
  registry?: Registry;
  logger: Logger;
  packages?: PackageManager;
  /** With several replicas: writes only while this replica holds the tenant's lease. */
  assertHeld?: (id: string) => void;
  /** With several replicas: takes a new tenant's lease for this replica; false when another holds it. */
  claim?: (id: string) => Promise<boolean>;
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
    let tenant = loaded.get(id);
    if (!tenant) {
      if (!exists(id)) return Promise.reject(new TesseraError('TENANT_NOT_FOUND', `Tenant "${id}" does not exist. Create it with POST /api/tenants {"id":"${id}"}.`));
      tenant = Tenant.load(id, tenantDir(id), options.dbPool.get(id), options.logger, options.packages);
      tenant.catch(() => loaded.delete(id));
      loaded.set(id, tenant);
    }
    return tenant;
  }

  // Creation and removal also go through the tenant's lock, so they never race a tool call.
  const manager: TenantManager = {
    async create(id) {
      checkTenantId(id);
      if (options.claim && !(await options.claim(id))) throw new TesseraError('TENANT_EXISTS', `Tenant "${id}" is being created through another replica.`);
      return lock.run(id, async () => {
        options.assertHeld?.(id);
        if (exists(id)) throw new TesseraError('TENANT_EXISTS', `Tenant "${id}" already exists.`);
        await mkdir(root, { recursive: true });
        // Build the repo beside its final place, then move it in: a crash leaves no half tenant.
        const staging = path.join(root, `.staging-${id}-${process.pid}-${Date.now()}`);
        await openWorkspace(path.join(staging, 'repo')).init(Tenant.initialFiles(id), `Create app ${id}`);
        await rm(tenantDir(id), { recursive: true, force: true });
        await rename(staging, tenantDir(id));
        await options.registry?.addTenant(id);
        options.logger.info({ tenant: id }, 'tenant created');
        return get(id);
      });
    },
    async list() {
      const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && exists(e.name)).map((e) => e.name).sort();
    },
    get,
    exists,
    async remove(id) {
      await get(id);
      await lock.run(id, async () => {
        options.assertHeld?.(id);
        loaded.delete(id);
        await options.runtime.stopTenant(id);
        await options.dbPool.remove(id);
        await rm(tenantDir(id), { recursive: true, force: true });
        await options.registry?.removeTenant(id);
        options.logger.info({ tenant: id }, 'tenant deleted');
      });
    },
    withLock(id, work) {
      return lock.run(id, async () => {
        options.assertHeld?.(id);
        return work(await get(id));
      });
    },
    unload(id) {
      loaded.delete(id);
    },
    isBusy: (id) => lock.isBusy(id),
  };
  return manager;
}
