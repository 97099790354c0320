import { parseBlueprint, type Blueprint } from '../blueprint/index.ts';
import { buildComponent, buildFunction, buildPackageAssets, type BuiltComponent, type PackageAssets, type StaticAsset } from '../bundler/index.ts';
import { TesseraError } from '../errors.ts';
import { KeyedLock } from '../lock.ts';
import type { Logger } from '../log.ts';
import { LOCKFILE, parseLockfile, type PackageManager, type PackageSet } from '../packages/index.ts';
import type { ReleaseStore } from '../registry/index.ts';
import type { Stylesheet, StyleBuilder } from '../styles/index.ts';
import { migrationsOf, type AppFunction, type Tenant } from '../tenants/index.ts';
import type { DataLoss } from '../tenantdb/index.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { getRelease, type ReleaseSnapshot } from './snapshots.ts';

/** "notes: 12 rows in a dropped table; tags: column color dropped (4 rows)". */
function dataLossMessage(version: string, loss: DataLoss[]): string {
  const lines = loss.map((entry) => {
    if (entry.lost === 'table') return `table "${entry.table}" and its ${entry.rows} row${entry.rows === 1 ? '' : 's'} would be dropped`;
    if (entry.lost === 'columns')
      return `column${entry.columns.length === 1 ? '' : 's'} ${entry.columns.map((c) => `"${c}"`).join(', ')} of "${entry.table}" (${entry.rows} row${entry.rows === 1 ? '' : 's'}) would be dropped`;
    return `"${entry.table}" would go from ${entry.rows} to ${entry.rowsAfter} rows`;
  });
  return `Deploying ${version} would lose live data: ${lines.join('; ')}. Nothing was changed. An owner can deploy it anyway with {"confirmDataLoss": true} (a snapshot is taken first).`;
}

/** Releases kept prepared in memory per tenant. */
const PREPARED_PER_TENANT = 4;

/** What an app origin serves: a release (live) or the newest commit (draft). */
export interface AppView {
  /** The release version, or null for the draft. */
  version: string | null;
  commit: string;
  components: ReadonlyMap<string, BuiltComponent>;
  functions: ReadonlyMap<string, AppFunction>;
  blueprint: Blueprint;
  /** The app's npm packages for the browser: import map entries and vendor modules. */
  packages: PackageAssets;
  /** The release's own stylesheet; absent for the draft and for releases older than styling (built on demand). */
  stylesheet?: Stylesheet;
}

export interface DeployResult {
  version: string;
  previous: string | null;
  commit: string;
  /** E.g. rolling back code onto a database that has moved on. */
  warnings: string[];
  /** The live database's migrations this deploy applied (none: `from` = `to`), and the snapshot taken before them. */
  migrations: { from: number; to: number; snapshot: string | null };
}

export interface DeployOptions {
  /** The owner saw what the release's migrations would lose (409 CONFIRM_DATA_LOSS) and deploys anyway. */
  confirmDataLoss?: boolean;
}

/** What the Deployer needs of the live snapshots: one before a deploy changes the live schema. */
export interface SnapshotTaker {
  take(tenantId: string, reason: string, takenBy?: string): Promise<{ id: string }>;
}

/**
 * Deploys releases and answers which one is live. A deploy first prepares the whole release
 * (every bundle loaded and checked against its digest), then records the deployment in the
 * registry, then swaps one pointer: a request reads the pointer once, so it sees the old release
 * or the new one, never a mix, and no request waits or fails during the switch. After a crash the
 * registry's newest deployment says what is live; it is loaded again on first use.
 */
export class Deployer {
  private readonly live = new Map<string, AppView | null>();
  private readonly prepared = new Map<string, Promise<AppView>>();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly deps: {
      registry: ReleaseStore;
      store: ArtifactStore;
      logger: Logger;
      packages: PackageManager;
      styles: StyleBuilder;
      snapshots: SnapshotTaker;
    },
  ) {}

  /** The tenant's live release, or null before its first deploy. */
  async liveView(tenant: Tenant): Promise<AppView | null> {
    if (this.live.has(tenant.id)) return this.live.get(tenant.id)!;
    const version = await this.deps.registry.liveVersion(tenant.id);
    const view = version ? await this.prepare(tenant, version) : null;
    if (!this.live.has(tenant.id)) this.live.set(tenant.id, view);
    return this.live.get(tenant.id)!;
  }

  /**
   * Makes `version` live. Its migrations that the live database lacks are applied first, all in one
   * transaction, after a snapshot of the live data; if they would lose data (a dropped table or
   * column with rows, rows gone in a rebuild) nothing is applied and the answer is 409
   * CONFIRM_DATA_LOSS naming the tables and row counts, unless `confirmDataLoss`. The migrations
   * commit before the deployment is recorded: a crash in between leaves the old release live on the
   * newer schema (as a rollback does), never the new release on the old schema.
   */
  async deploy(tenant: Tenant, version: string, by: string, options: DeployOptions = {}): Promise<DeployResult> {
    return this.lock.run(tenant.id, async () => {
      const view = await this.prepare(tenant, version);
      const release = JSON.parse(await getRelease(this.deps.registry, tenant.id, version)) as ReleaseSnapshot;
      const warnings: string[] = [];
      const liveVersion = await tenant.liveDb.currentVersion();
      const migrations = { from: liveVersion, to: liveVersion, snapshot: null as string | null };
      if (release.migration < liveVersion) {
        warnings.push(
          `Release ${version} was made at database migration ${release.migration}; the live database is at migration ${liveVersion}. Migrations only move forward, so no data was dropped: check that this release's code works with the newer schema (or restore a snapshot from its time).`,
        );
      } else if (release.migration > liveVersion) {
        const pending = await this.pendingMigrations(tenant, release, liveVersion);
        migrations.snapshot = (await this.deps.snapshots.take(tenant.id, `before deploy ${version}`, by)).id;
        const applied = await tenant.liveDb.beginMigrations(pending);
        if (applied.result.loss.length > 0 && !options.confirmDataLoss) {
          await applied.rollback();
          throw new TesseraError('CONFIRM_DATA_LOSS', dataLossMessage(version, applied.result.loss), {
            details: { tables: applied.result.loss, migrations: { from: liveVersion, to: release.migration } },
          });
        }
        await applied.commit();
        migrations.to = release.migration;
        this.deps.logger.info(
          { tenant: tenant.id, version, from: liveVersion, to: release.migration, loss: applied.result.loss.length },
          'live database migrated for a deploy',
        );
      }
      const { previous } = await this.deps.registry.recordDeployment(tenant.id, version, by);
      this.live.set(tenant.id, view);
      this.deps.logger.info({ tenant: tenant.id, version, previous }, 'release deployed');
      return { version, previous, commit: view.commit, warnings, migrations };
    });
  }

  /** Runs `work` while no deploy of the tenant runs: a restore of live data must not land between a deploy's snapshot and its migrations. */
  exclusive<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    return this.lock.run(tenantId, work);
  }

  /** The release's migrations above `liveVersion`, from its own commit; each one must be there. */
  private async pendingMigrations(tenant: Tenant, release: ReleaseSnapshot, liveVersion: number): Promise<Array<{ version: number; sql: string }>> {
    const all = await migrationsOf(tenant.workspace, release.commit);
    const pending = all.filter((m) => m.version > liveVersion && m.version <= release.migration);
    for (let version = liveVersion + 1; version <= release.migration; version++) {
      if (!pending.some((m) => m.version === version))
        throw new TesseraError(
          'MIGRATION_MISSING',
          `Release ${release.version} needs the live database at migration ${release.migration}, but its commit has no migration ${version} (the live database is at ${liveVersion}); nothing was changed. Make a new release from the current draft.`,
        );
    }
    return pending;
  }

  /**
   * A component bundle of any release of the tenant that is loaded here. Bundle names are content
   * addressed, so a page that loaded just before a deploy can still fetch the bundles it names.
   */
  async findBundle(tenantId: string, fileName: string): Promise<BuiltComponent | null> {
    for (const [key, view] of this.prepared) {
      if (!key.startsWith(`${tenantId}@`)) continue;
      const found = [...((await view.catch(() => null))?.components.values() ?? [])].find((c) => c.fileName === fileName);
      if (found) return found;
    }
    return null;
  }

  /** A package vendor module of any release of the tenant loaded here (content addressed, like bundles). */
  async findPackageAsset(tenantId: string, fileName: string): Promise<StaticAsset | null> {
    for (const [key, view] of this.prepared) {
      if (!key.startsWith(`${tenantId}@`)) continue;
      const found = (await view.catch(() => null))?.packages.assets.get(fileName);
      if (found) return found;
    }
    return null;
  }

  /**
   * The registry says `version` is live (null: nothing): when that is not what this process serves,
   * the next request loads it. Deploys through this process swap at once; this catches those made
   * elsewhere (the read path's function on a cluster) without a query per request.
   */
  syncLive(tenantId: string, version: string | null): void {
    if (this.live.has(tenantId) && (this.live.get(tenantId)?.version ?? null) !== version) this.live.delete(tenantId);
  }

  /** Forgets a tenant (deleted). */
  forget(tenantId: string): void {
    this.live.delete(tenantId);
    for (const key of this.prepared.keys()) if (key.startsWith(`${tenantId}@`)) this.prepared.delete(key);
  }

  private prepare(tenant: Tenant, version: string): Promise<AppView> {
    const key = `${tenant.id}@${version}`;
    let view = this.prepared.get(key);
    if (view) {
      // Most recently used last: eviction below drops the oldest.
      this.prepared.delete(key);
      this.prepared.set(key, view);
      return view;
    }
    view = this.load(tenant, version);
    view.catch(() => this.prepared.delete(key));
    this.prepared.set(key, view);
    this.evict(tenant.id);
    return view;
  }

  /** Keeps a few releases per tenant in memory (the live one, and recent ones for pages mid-switch). */
  private evict(tenantId: string): void {
    const keys = [...this.prepared.keys()].filter((key) => key.startsWith(`${tenantId}@`));
    const live = this.live.get(tenantId)?.version;
    for (const key of keys.slice(0, Math.max(0, keys.length - PREPARED_PER_TENANT))) {
      if (key !== `${tenantId}@${live}`) this.prepared.delete(key);
    }
  }

  /** Loads a release's exact bundles from the artifact store (rebuilding from its commit if one is missing). */
  private async load(tenant: Tenant, version: string): Promise<AppView> {
    const snapshot = JSON.parse(await getRelease(this.deps.registry, tenant.id, version)) as ReleaseSnapshot;
    const commit = snapshot.commit;
    const source = async (file: string): Promise<string> => {
      const text = await tenant.workspace.readAt(commit, file);
      if (text === null) throw new TesseraError('INTERNAL', `Release ${version} names ${file}, which commit ${commit.slice(0, 10)} does not hold.`);
      return text;
    };
    const checked = (kind: string, name: string, expected: string, actual: string): void => {
      if (expected !== actual)
        throw new TesseraError(
          'INTERNAL',
          `The ${kind} ${name} of release ${version} no longer builds to its recorded digest; it cannot be served exactly as released.`,
        );
    };
    // The commit's lockfile, installed only when something has to be rebuilt from source.
    let packageSet: Promise<PackageSet | null> | null = null;
    const packagesOfCommit = (): Promise<PackageSet | null> =>
      (packageSet ??= (async () => {
        const lockfile = parseLockfile(await tenant.workspace.readAt(commit, LOCKFILE));
        if (!lockfile) return null;
        return this.deps.packages.install(lockfile);
      })());
    const components = new Map<string, BuiltComponent>();
    for (const [name, entry] of Object.entries(snapshot.components)) {
      const code = await this.deps.store.get(entry.digest);
      const built =
        code !== null
          ? { name, code, hash: entry.digest, fileName: entry.bundle, bytes: Buffer.byteLength(code) }
          : await buildComponent({ name, code: await source(entry.file) }, { tenant: tenant.id });
      checked('component', name, entry.digest, built.hash);
      components.set(name, built);
    }
    const functions = new Map<string, AppFunction>();
    for (const [name, entry] of Object.entries(snapshot.functions)) {
      const code = await this.deps.store.get(entry.digest);
      const built =
        code !== null
          ? { name, code, hash: entry.digest, sourceFile: entry.file }
          : await buildFunction({ name, code: await source(entry.file) }, await packagesOfCommit(), { tenant: tenant.id });
      checked('function', name, entry.digest, built.hash);
      functions.set(name, { ...built, access: entry.access ?? 'public' });
    }
    const packages = await this.loadPackages(tenant.id, snapshot, components, packagesOfCommit);
    const blueprint = parseBlueprint(JSON.parse(await source('blueprint.json')));
    const stylesheet = await this.loadStylesheet(tenant.id, snapshot, { components: components.values(), theme: blueprint.theme });
    return { version, commit, components, functions, blueprint, packages, ...(stylesheet ? { stylesheet } : {}) };
  }

  /**
   * The release's stylesheet, byte for byte, from the artifact store. If the store lost it, it is
   * built again from the release's bundles and theme (a newer Tailwind may give other bytes, under
   * another name: a page keeps working, unlike a component that would run other code).
   */
  private async loadStylesheet(tenantId: string, snapshot: ReleaseSnapshot, input: Parameters<StyleBuilder['build']>[1]): Promise<Stylesheet | null> {
    if (!snapshot.stylesheet) return null;
    const code = await this.deps.store.get(snapshot.stylesheet.digest);
    if (code === null) {
      this.deps.logger.warn(
        { tenant: tenantId, version: snapshot.version, file: snapshot.stylesheet.file },
        'released stylesheet missing from the artifact store; rebuilt',
      );
      return this.deps.styles.build(tenantId, input);
    }
    const sheet = { fileName: snapshot.stylesheet.file, code, hash: snapshot.stylesheet.digest, bytes: Buffer.byteLength(code) };
    // Findable by name, like the release's bundles, for pages that loaded just before a deploy.
    this.deps.styles.adopt(tenantId, sheet);
    return sheet;
  }

  /** The release's package vendor modules, byte for byte: from the artifact store, else rebuilt from its lockfile and checked. */
  private async loadPackages(
    tenantId: string,
    snapshot: ReleaseSnapshot,
    components: Map<string, BuiltComponent>,
    packagesOfCommit: () => Promise<PackageSet | null>,
  ): Promise<PackageAssets> {
    const recorded = snapshot.packages ?? { imports: {}, assets: {} };
    const assets = new Map<string, StaticAsset>();
    for (const [fileName, digest] of Object.entries(recorded.assets)) {
      const code = await this.deps.store.get(digest);
      if (code === null) break;
      assets.set(fileName, { fileName, code, contentType: 'text/javascript; charset=utf-8', hash: digest });
    }
    if (assets.size === Object.keys(recorded.assets).length) return { imports: recorded.imports, assets };
    const rebuilt = await buildPackageAssets(components.values(), await packagesOfCommit(), { tenant: tenantId });
    for (const [fileName, digest] of Object.entries(recorded.assets)) {
      if (rebuilt.assets.get(fileName)?.hash !== digest)
        throw new TesseraError(
          'INTERNAL',
          `The npm package module ${fileName} of release ${snapshot.version} no longer builds to its recorded digest; it cannot be served exactly as released.`,
        );
    }
    return rebuilt;
  }
}
