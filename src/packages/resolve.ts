import pickManifest from 'npm-pick-manifest';
import semver from 'semver';
import ssri from 'ssri';
import { TesseraError } from '../errors.ts';
import { followedDependencies, fromLockfile, type Lockfile, type ResolvedPackage, type Resolution } from './lockfile.ts';
import { integrityProblem, isExactVersion, isValidPackageName, keyOf, PLATFORM_PACKAGES, tarballUrlProblem } from './names.ts';
import { invalidRegistryData, type PackageManifest, type Packument, type RegistryClient } from './registry-client.ts';

const TAG = /^[A-Za-z][A-Za-z0-9._-]*$/;
/** Packument requests in flight at once: enough to hide a far registry's latency, polite to it. */
const PACKUMENT_CONCURRENCY = 8;

/** `(needed by a@1 > b@2)` for a transitive dependency, nothing for a direct one. */
const viaText = (via: string[]): string => (via.length ? ` (needed by ${via.join(' > ')})` : '');

/**
 * Resolves requested packages (name -> semver range or dist-tag) and everything they depend on to
 * exact versions. Pins already in the app's previous lockfile are kept while they satisfy what is
 * asked, and a version already chosen in this resolution is reused when it fits (as npm dedupes), so
 * adding one package never silently upgrades another.
 */
export async function resolvePackages(input: {
  client: RegistryClient;
  requests: Record<string, string>;
  previous: Lockfile | null;
  maxUnpackedBytes: number;
}): Promise<Resolution> {
  const { client, requests, maxUnpackedBytes } = input;
  const previous = input.previous ? fromLockfile(input.previous) : null;
  const packuments = new Map<string, Promise<Packument>>();
  // Requests wait their turn here; each finished one lets the next start.
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const limited = async <T>(work: () => Promise<T>): Promise<T> => {
    if (inFlight >= PACKUMENT_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
      waiting.shift()?.();
    }
  };
  const packumentOf = (name: string, via: string[]): Promise<Packument> => {
    let found = packuments.get(name);
    if (!found) {
      found = limited(() => client.packument(name)).catch((err: unknown) => {
        if (err instanceof TesseraError && err.code === 'PACKAGE_NOT_FOUND' && via.length) {
          throw new TesseraError('PACKAGE_NOT_FOUND', `${err.message}${viaText(via)}`, { details: { package: name, via } });
        }
        throw err;
      });
      packuments.set(name, found);
    }
    return found;
  };
  const chosen = new Map<string, Set<string>>();
  const packages = new Map<string, ResolvedPackage>();

  /** The version of `name` to use for `range`: one already in play if it fits, else the registry's pick. */
  async function pick(name: string, range: string, via: string[], keepPin: string | undefined): Promise<string> {
    if (!isValidPackageName(name)) {
      throw new TesseraError('PACKAGE_NOT_FOUND', `"${name}" is not a valid npm package name${viaText(via)}.`, { details: { package: name } });
    }
    const isRange = semver.validRange(range) !== null;
    if (!isRange && !TAG.test(range)) {
      throw new TesseraError(
        'PACKAGE_VERSION_NOT_FOUND',
        `"${name}@${range}"${viaText(via)}: only semver ranges (e.g. "^4", "1.2.3") and dist-tags (e.g. "latest") can be installed; git, file, URL and alias specs are not.`,
        { details: { package: name, range } },
      );
    }
    // A pin stays while it satisfies the range; "latest" with a pin means "what you have".
    if (keepPin && (isRange ? semver.satisfies(keepPin, range, { includePrerelease: true }) : range === 'latest')) return keepPin;
    if (isRange) {
      const inPlay = [...(chosen.get(name) ?? [])].filter((v) => semver.satisfies(v, range));
      if (inPlay.length) return inPlay.sort(semver.rcompare)[0]!;
    }
    const packument = await packumentOf(name, via);
    let version: string;
    try {
      version = pickManifest<PackageManifest>(packument, range, { nodeVersion: process.version }).version;
    } catch (err) {
      const newest = Object.keys(packument.versions)
        .filter((v) => semver.valid(v))
        .sort(semver.rcompare)
        .slice(0, 5);
      const latest = packument['dist-tags']?.latest;
      throw new TesseraError(
        'PACKAGE_VERSION_NOT_FOUND',
        `No version of the npm package "${name}" matches "${range}"${viaText(via)}. ${latest ? `Its latest version is ${latest}; ` : ''}newest versions: ${newest.join(', ') || 'none'}.`,
        { details: { package: name, range, versions: newest }, cause: err },
      );
    }
    // The client checked every version of the packument; this holds the line if that ever changes.
    if (!isExactVersion(version))
      throw invalidRegistryData(client.registry, `"${name}"`, `version ${JSON.stringify(String(version).slice(0, 100))} is not a semver version`);
    return version;
  }

  /** Adds name@version and (depth first) what it depends on. */
  async function visit(name: string, version: string, via: string[]): Promise<string> {
    const key = keyOf(name, version);
    if (packages.has(key)) return key;
    const known = previous?.packages.get(key);
    let entry: ResolvedPackage;
    if (known) {
      entry = { ...known, deps: {} };
    } else {
      const manifest = (await packumentOf(name, via)).versions[version];
      if (!manifest)
        throw new TesseraError('PACKAGE_VERSION_NOT_FOUND', `The npm package "${name}" has no version ${version}${viaText(via)}.`, {
          details: { package: name, version },
        });
      const dist = (typeof manifest.dist === 'object' && manifest.dist !== null ? manifest.dist : {}) as Partial<PackageManifest['dist']>;
      const where = tarballUrlProblem(dist.tarball, client.registry);
      if (where) throw invalidRegistryData(client.registry, `${key}${viaText(via)}`, where);
      const size = dist.unpackedSize;
      if (typeof size === 'number' && size > maxUnpackedBytes) {
        throw new TesseraError(
          'PACKAGE_TOO_LARGE',
          `The package ${key}${viaText(via)} unpacks to ${size} bytes, over the limit of ${maxUnpackedBytes} (PACKAGE_MAX_UNPACKED_BYTES); choose a smaller package.`,
          { details: { package: key, size, limit: maxUnpackedBytes } },
        );
      }
      const integrity =
        dist.integrity ?? (typeof dist.shasum === 'string' && /^[0-9a-f]{40}$/i.test(dist.shasum) ? ssri.fromHex(dist.shasum, 'sha1').toString() : null);
      const unverifiable = integrityProblem(integrity);
      if (unverifiable)
        throw new TesseraError(
          'PACKAGE_INTEGRITY_MISMATCH',
          `The registry gives ${unverifiable} for ${key}${viaText(via)}, so it cannot be verified; it was not used.`,
          { details: { package: key } },
        );
      const optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
      // Optional dependencies are skipped (they are mostly platform-specific native binaries).
      const dependencies = Object.fromEntries(
        Object.entries(manifest.dependencies ?? {}).filter(([dep]) => !optional.has(dep) && !PLATFORM_PACKAGES.includes(dep)),
      );
      entry = {
        name,
        version,
        key,
        resolved: dist.tarball!,
        integrity: integrity!,
        dependencies,
        ...(manifest.peerDependencies ? { peerDependencies: manifest.peerDependencies } : {}),
        ...(manifest.peerDependenciesMeta ? { peerDependenciesMeta: manifest.peerDependenciesMeta } : {}),
        ...(manifest.hasInstallScript ? { hasInstallScript: true } : {}),
        ...(typeof size === 'number' && size >= 0 ? { unpackedSize: size } : {}),
        deps: {},
      };
    }
    packages.set(key, entry);
    (chosen.get(name) ?? chosen.set(name, new Set()).get(name)!).add(version);
    const next = [...via, key];
    const deps = Object.entries(followedDependencies(entry)).sort(([a], [b]) => a.localeCompare(b));
    // Ask for every packument this level will need at once; the choices below stay one at a time, in
    // name order, so the result is the same as a serial walk's. Pinned dependencies need none.
    if (!known) for (const [dep] of deps) if (isValidPackageName(dep)) packumentOf(dep, next).catch(() => undefined);
    for (const [dep, range] of deps) {
      const pinned = known ? previous!.packages.get(known.deps[dep] ?? '')?.version : undefined;
      entry.deps[dep] = await visit(dep, await pick(dep, range, next, pinned), next);
    }
    return key;
  }

  const root: Record<string, string> = {};
  const names = Object.keys(requests).sort();
  // Direct dependencies first, so that their versions are the ones transitive ranges reuse.
  const versions = await Promise.all(names.map((name) => pick(name, requests[name]!, [], previous?.packages.get(previous.root[name] ?? '')?.version)));
  for (const [i, name] of names.entries()) root[name] = await visit(name, versions[i]!, []);
  return { root, packages };
}
