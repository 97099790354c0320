import { isBuiltin } from 'node:module';
import semver from 'semver';
import ssri from 'ssri';

/**
 * Packages the platform provides to every app (one copy, through the import map): tenants never
 * install them, and a package's dependency on them is satisfied by the platform's copy.
 * `@tessera/ui` is the platform's UI kit, served once per app like React.
 */
export const PLATFORM_PACKAGES: readonly string[] = ['react', 'react-dom', '@tessera/ui'];

// npm's rule for new package names (validate-npm-package-name): lowercase, URL-safe, optional scope.
const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export function isValidPackageName(name: string): boolean {
  return name.length <= 214 && NAME.test(name) && !name.startsWith('.') && !name.startsWith('_');
}

/** True for a bare specifier (`date-fns`, `@scope/x/sub`), false for paths, URLs and built-ins. */
export function isBareSpecifier(specifier: string): boolean {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('\\')) return false;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(specifier)) return false; // node:, file:, http:, data:, C:
  return !isBuiltin(specifier);
}

/** The package a bare specifier names: `@scope/x/sub/path` -> `@scope/x`, `date-fns/locale` -> `date-fns`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** `name@version`: the identity of one package in the store and in resolution graphs. */
export const keyOf = (name: string, version: string): string => `${name}@${version}`;

/**
 * An exact version as npm publishes it: canonical semver (`1.2.3`, `1.2.3-beta.1`, `1.2.3+build.5`),
 * so only letters, digits, dots, hyphens and plus signs: safe as part of a folder name.
 */
export function isExactVersion(version: unknown): version is string {
  return typeof version === 'string' && version.length <= 256 && semver.valid(version) === version;
}

/** Hash algorithms an integrity string may use (npm's; sha1 only through old packuments' `shasum`). */
const INTEGRITY_ALGORITHMS = ['sha512', 'sha384', 'sha256', 'sha1'];

/** Why an integrity string cannot verify anything (null: it can). */
export function integrityProblem(integrity: unknown): string | null {
  if (typeof integrity !== 'string' || integrity.trim() === '') return 'no integrity hash';
  const parsed = ssri.parse(integrity);
  if (!parsed || !Object.keys(parsed).some((algorithm) => INTEGRITY_ALGORITHMS.includes(algorithm)))
    return `the integrity ${JSON.stringify(integrity.slice(0, 100))} is not an sha512/sha384/sha256/sha1 hash`;
  return null;
}

/** Why a tarball URL may not be fetched (null: it may): http(s), on the host of the configured registry. */
export function tarballUrlProblem(url: unknown, registry: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return `its tarball URL ${JSON.stringify(String(url).slice(0, 200))} is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `its tarball URL ${parsed.href} is not http(s)`;
  if (parsed.username || parsed.password) return `its tarball URL ${parsed.origin} carries credentials`;
  if (parsed.host !== new URL(registry).host)
    return `its tarball URL ${parsed.href} is not on the configured registry ${registry} (packages are downloaded from it only)`;
  return null;
}
