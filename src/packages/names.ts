import { isBuiltin } from 'node:module';

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
