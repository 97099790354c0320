/**
 * npm packages for tenant code: resolution to exact versions, the app's package.json and
 * package-lock.json, and the content-addressed package store shared by every tenant. Install
 * scripts never run. See docs/packages.md.
 */
import path from 'node:path';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { toLockfile, fromLockfile, type Lockfile, type ResolvedPackage, type Resolution } from './lockfile.ts';
import { keyOf } from './names.ts';
import { RegistryClient } from './registry-client.ts';
import { resolvePackages } from './resolve.ts';
import { PackageStore } from './store.ts';

export { PLATFORM_PACKAGES, isBareSpecifier, isValidPackageName, packageNameOf, keyOf } from './names.ts';
export { toLockfile, fromLockfile, type Lockfile, type LockEntry, type ResolvedPackage, type Resolution } from './lockfile.ts';

export const PACKAGE_JSON = 'package.json';
export const LOCKFILE = 'package-lock.json';

/**
 * A resolution whose every package is in the store: what the bundler resolves bare imports against.
 * Tenant code sees only its app's direct dependencies; a package sees only its own dependencies.
 */
export interface PackageSet extends Resolution {
  readonly lockfile: Lockfile;
  /** Folder of the store; bundles are built with it as the working directory, so paths in them never name a machine. */
  readonly storeRoot: string;
  /** Folder to resolve a package from: `<it>/node_modules/<name>` is that version and nothing else is there. */
  resolveDirOf(key: string): string;
  packageDirOf(key: string): string;
  /** The package (of this set) a file of the store belongs to, or null. */
  ownerOf(file: string): ResolvedPackage | null;
}

export interface PackageManagerOptions {
  dataDir: string;
  registry: string;
  timeoutMs: number;
  maxUnpackedBytes: number;
  /** Bearer token for a private registry. */
  authToken?: string;
  /** What one app's lockfile may pin, unpacked, in the shared store (APP_PACKAGES_MAX_BYTES); none: unbounded. */
  appMaxBytes?: number;
  logger?: Logger;
}

function packagesQuotaExceeded(appName: string, limit: number, bytes: number, measured: boolean): TesseraError {
  return new TesseraError(
    'QUOTA_EXCEEDED',
    `The npm packages of "${appName}" would unpack to ${measured ? 'more than ' : ''}${bytes} bytes${measured ? '' : ' (as stored, or as the registry declares them)'}, past its quota of ${limit} bytes (APP_PACKAGES_MAX_BYTES). Nothing of the app was changed. Use fewer or smaller packages (or a subpath build), or ask the server's operator to raise APP_PACKAGES_MAX_BYTES.`,
    { details: { quota: 'APP_PACKAGES_MAX_BYTES', limit, bytes } },
  );
}

/** The app's package.json: its direct dependencies, pinned to the exact versions of its lockfile. */
export function packageJsonOf(set: PackageSet): string {
  const dependencies = Object.fromEntries(
    Object.keys(set.root)
      .sort()
      .map((name) => [name, set.packages.get(set.root[name]!)!.version]),
  );
  return `${JSON.stringify({ name: set.lockfile.name, private: true, dependencies }, null, 2)}\n`;
}

export function lockfileText(set: PackageSet): string {
  return `${JSON.stringify(set.lockfile, null, 2)}\n`;
}

/** Reads package-lock.json text (null when the app has none). */
export function parseLockfile(text: string | null): Lockfile | null {
  return text === null ? null : (JSON.parse(text) as Lockfile);
}

export class PackageManager {
  readonly store: PackageStore;
  readonly client: RegistryClient;

  constructor(private readonly options: PackageManagerOptions) {
    this.store = new PackageStore(path.join(options.dataDir, 'packages'), options.maxUnpackedBytes);
    this.client = new RegistryClient({
      registry: options.registry,
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxUnpackedBytes,
      ...(options.authToken ? { authToken: options.authToken } : {}),
    });
  }

  /**
   * Resolves the app's direct dependencies (name -> range or dist-tag) against its previous lockfile
   * and stores every package version of the result. Throws a TesseraError naming the package on any
   * failure; the store may then hold verified packages, but nothing of the app has changed.
   */
  async resolve(appName: string, requests: Record<string, string>, previous: Lockfile | null): Promise<PackageSet & { downloaded: string[] }> {
    const resolution = await resolvePackages({ client: this.client, requests, previous, maxUnpackedBytes: this.options.maxUnpackedBytes });
    const limit = this.options.appMaxBytes;
    // Before any download: what the store holds already, and the registry's word for the rest; then the bytes themselves.
    const sizes =
      limit === undefined
        ? []
        : await Promise.all(
            [...resolution.packages.values()].map(async (pkg) => (await this.store.storedBytes(pkg.name, pkg.version)) ?? pkg.unpackedSize ?? 0),
          );
    const declared = sizes.reduce((sum, size) => sum + size, 0);
    if (limit !== undefined && declared > limit) throw packagesQuotaExceeded(appName, limit, declared, false);
    const downloaded = await this.fetchAll(resolution, limit === undefined ? undefined : { appName, limit });
    return { ...this.setOf(toLockfile(appName, resolution), resolution), downloaded };
  }

  /** The packages a lockfile pins, each fetched (and verified) unless the store has it already. */
  async install(lockfile: Lockfile): Promise<PackageSet> {
    const resolution = fromLockfile(lockfile);
    await this.fetchAll(resolution);
    return this.setOf(lockfile, resolution);
  }

  /**
   * Stores every package of a resolution. With a quota, the unpacked bytes are added up as packages
   * arrive and the rest is not fetched once they pass it (the store keeps what it verified; the app
   * gets nothing): a registry that understates sizes still cannot make one app fill the disk.
   */
  private async fetchAll(resolution: Resolution, quota?: { appName: string; limit: number }): Promise<string[]> {
    const downloaded: string[] = [];
    const queue = [...resolution.packages.values()].sort((a, b) => a.key.localeCompare(b.key));
    let total = 0;
    // A few downloads at a time: fast on a big tree, polite to the registry.
    const worker = async (): Promise<void> => {
      for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
        const current = pkg;
        const { downloaded: fresh, unpackedBytes } = await this.store.ensure(current.name, current.version, current.integrity, () =>
          this.client.tarball(current.key, current.resolved),
        );
        total += unpackedBytes;
        if (quota && total > quota.limit) {
          queue.length = 0;
          throw packagesQuotaExceeded(quota.appName, quota.limit, total, true);
        }
        if (fresh) {
          downloaded.push(current.key);
          this.options.logger?.info({ package: current.key }, 'package stored');
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    return downloaded.sort();
  }

  private setOf(lockfile: Lockfile, resolution: Resolution): PackageSet {
    return packageSetOf(this.store, lockfile, resolution);
  }
}

/**
 * The package set a lockfile pins, over a store that already holds every package of it. Also how a
 * build worker (bundler/sandbox) rebuilds the set it was sent as `{ storeRoot, lockfile }`.
 */
export function packageSetOf(
  store: Pick<PackageStore, 'root' | 'resolveDirOf' | 'packageDirOf'>,
  lockfile: Lockfile,
  resolution: Resolution = fromLockfile(lockfile),
): PackageSet {
  const pkg = (key: string): ResolvedPackage => {
    const found = resolution.packages.get(key);
    if (!found) throw new Error(`${key} is not in this package set`);
    return found;
  };
  return {
    ...resolution,
    lockfile,
    storeRoot: store.root,
    resolveDirOf: (key) => store.resolveDirOf(pkg(key).name, pkg(key).version),
    packageDirOf: (key) => store.packageDirOf(pkg(key).name, pkg(key).version),
    ownerOf(file) {
      const relative = path.relative(store.root, file);
      if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
      const folder = relative.split(path.sep)[0]!;
      const at = folder.lastIndexOf('@');
      if (at <= 0) return null;
      const name = folder.slice(0, at).replace(/^(@[^+]+)\+/, '$1/');
      const found = resolution.packages.get(keyOf(name, folder.slice(at + 1)));
      // Only files inside the package's own folder belong to it (not the store's bookkeeping).
      return found && (file + path.sep).startsWith(store.packageDirOf(found.name, found.version) + path.sep) ? found : null;
    },
  };
}
