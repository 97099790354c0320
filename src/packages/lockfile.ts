import semver from 'semver';
import { TesseraError } from '../errors.ts';
import { integrityProblem, isExactVersion, isValidPackageName, keyOf, PLATFORM_PACKAGES } from './names.ts';

/** One entry of npm's package-lock.json v3 (`packages["node_modules/x"]`). */
export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  hasInstallScript?: boolean;
}

/** npm's package-lock.json, lockfileVersion 3 (what npm 9+ writes): `npm ci` reads it as it is. */
export interface Lockfile {
  name: string;
  lockfileVersion: 3;
  requires: true;
  packages: Record<string, LockEntry>;
}

/** One package version in a resolution: what it is, and which version each dependency resolved to. */
export interface ResolvedPackage {
  name: string;
  version: string;
  /** `name@version`. */
  key: string;
  /** Tarball URL. */
  resolved: string;
  integrity: string;
  /** Declared dependency ranges that were followed (optional ones and platform packages left out). */
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  hasInstallScript?: boolean;
  /** Unpacked size as the registry declares it (not in lockfiles): lets a quota refuse before downloading. */
  unpackedSize?: number;
  /** Dependency name -> key of the version it resolved to. */
  deps: Record<string, string>;
}

/** A whole resolution: the app's direct dependencies and every package version they pull in. */
export interface Resolution {
  /** Direct dependency name -> key. */
  root: Record<string, string>;
  packages: Map<string, ResolvedPackage>;
}

/** Dependencies an entry needs from the tree: regular ones and required peers, minus the platform's. */
export function followedDependencies(entry: Pick<LockEntry, 'dependencies' | 'peerDependencies' | 'peerDependenciesMeta'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, range] of Object.entries(entry.peerDependencies ?? {})) {
    if (!entry.peerDependenciesMeta?.[name]?.optional) out[name] = range;
  }
  for (const [name, range] of Object.entries(entry.dependencies ?? {})) out[name] = range;
  for (const name of PLATFORM_PACKAGES) delete out[name];
  return out;
}

const nameAt = (location: string): string => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);

function parentOf(location: string): string {
  const at = location.lastIndexOf('/node_modules/');
  return at === -1 ? '' : location.slice(0, at);
}

/** Node's lookup: `name` from `location`, walking up the node_modules folders. */
function lookup(placed: ReadonlyMap<string, unknown>, from: string, name: string): string | null {
  for (let location = from; ; location = parentOf(location)) {
    const candidate = location ? `${location}/node_modules/${name}` : `node_modules/${name}`;
    if (placed.has(candidate)) return candidate;
    if (location === '') return null;
  }
}

/**
 * Lays a resolution out as npm's hoisted tree and writes it as package-lock.json v3: each package
 * goes to the top level unless another version is there, then under the package that needs it.
 * Breadth first and in name order, so the same resolution always gives the same bytes.
 */
export function toLockfile(appName: string, resolution: Resolution): Lockfile {
  const placed = new Map<string, string>();
  const queue: string[] = [];
  for (const name of Object.keys(resolution.root).sort()) {
    placed.set(`node_modules/${name}`, resolution.root[name]!);
    queue.push(`node_modules/${name}`);
  }
  for (let i = 0; i < queue.length; i++) {
    const location = queue[i]!;
    const pkg = resolution.packages.get(placed.get(location)!)!;
    for (const name of Object.keys(pkg.deps).sort()) {
      const want = pkg.deps[name]!;
      const found = lookup(placed, location, name);
      if (found && placed.get(found) === want) continue;
      const target = found ? `${location}/node_modules/${name}` : `node_modules/${name}`;
      placed.set(target, want);
      queue.push(target);
    }
  }
  const rootDependencies = Object.fromEntries(
    Object.keys(resolution.root)
      .sort()
      .map((name) => [name, resolution.packages.get(resolution.root[name]!)!.version]),
  );
  const packages: Record<string, LockEntry> = { '': { name: appName, ...(Object.keys(rootDependencies).length ? { dependencies: rootDependencies } : {}) } };
  for (const location of [...placed.keys()].sort()) {
    const pkg = resolution.packages.get(placed.get(location)!)!;
    const entry: LockEntry = { version: pkg.version, resolved: pkg.resolved, integrity: pkg.integrity };
    if (Object.keys(pkg.dependencies).length) entry.dependencies = sortKeys(pkg.dependencies);
    if (pkg.peerDependencies && Object.keys(pkg.peerDependencies).length) entry.peerDependencies = sortKeys(pkg.peerDependencies);
    if (pkg.peerDependenciesMeta && Object.keys(pkg.peerDependenciesMeta).length) entry.peerDependenciesMeta = pkg.peerDependenciesMeta;
    if (pkg.hasInstallScript) entry.hasInstallScript = true;
    packages[location] = entry;
  }
  return { name: appName, lockfileVersion: 3, requires: true, packages };
}

const sortKeys = (record: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Reads a package-lock.json back into a resolution, resolving each entry's dependencies the way
 * Node would through the tree. A lockfile that does not hold together is refused, never guessed at.
 */
export function fromLockfile(lock: Lockfile): Resolution {
  if (lock.lockfileVersion !== 3 || typeof lock.packages !== 'object') throw invalid('only lockfileVersion 3 is read');
  const entries = new Map(Object.entries(lock.packages).filter(([location]) => location !== ''));
  const keyAt = (location: string): string => {
    const entry = entries.get(location)!;
    if (!entry.version || !entry.integrity || !entry.resolved) throw invalid(`${location} has no version, integrity or resolved URL`);
    // What the store makes folders of, and what downloads are checked against: never taken on trust.
    const name = entry.name ?? nameAt(location);
    if (!isValidPackageName(name)) throw invalid(`${JSON.stringify(location.slice(0, 200))} is not an npm package name`);
    if (!isExactVersion(entry.version))
      throw invalid(`${location} has version ${JSON.stringify(String(entry.version).slice(0, 100))}, not an exact semver version`);
    const unverifiable = integrityProblem(entry.integrity);
    if (unverifiable) throw invalid(`${location} has ${unverifiable}`);
    if (!/^https?:\/\//.test(entry.resolved))
      throw invalid(`${location} is resolved to ${JSON.stringify(String(entry.resolved).slice(0, 200))}, not an http(s) URL`);
    return keyOf(name, entry.version);
  };
  const packages = new Map<string, ResolvedPackage>();
  for (const [location, entry] of entries) {
    const key = keyAt(location);
    if (packages.has(key)) continue;
    const deps: Record<string, string> = {};
    for (const [name, range] of Object.entries(followedDependencies(entry))) {
      const found = lookup(entries, location, name);
      if (!found) throw invalid(`${key} needs ${name}@${range}, which the lockfile does not hold`);
      const version = entries.get(found)!.version!;
      if (semver.validRange(range) && !semver.satisfies(version, range, { includePrerelease: true }))
        throw invalid(`${key} needs ${name}@${range}, the lockfile has ${version}`);
      deps[name] = keyAt(found);
    }
    packages.set(key, {
      name: entry.name ?? nameAt(location),
      version: entry.version!,
      key,
      resolved: entry.resolved!,
      integrity: entry.integrity!,
      dependencies: entry.dependencies ?? {},
      ...(entry.peerDependencies ? { peerDependencies: entry.peerDependencies } : {}),
      ...(entry.peerDependenciesMeta ? { peerDependenciesMeta: entry.peerDependenciesMeta } : {}),
      ...(entry.hasInstallScript ? { hasInstallScript: true } : {}),
      deps,
    });
  }
  const root: Record<string, string> = {};
  for (const name of Object.keys(lock.packages['']?.dependencies ?? {})) {
    const found = lookup(entries, '', name);
    if (!found) throw invalid(`the app depends on ${name}, which the lockfile does not hold`);
    root[name] = keyAt(found);
  }
  return { root, packages };
}

function invalid(why: string): TesseraError {
  return new TesseraError(
    'INVALID_ARGUMENTS',
    `The app's package-lock.json is not usable: ${why}. Ask for the package again (with its dependencies argument) to write a new one.`,
  );
}
