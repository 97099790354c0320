import { createHash } from 'node:crypto';
import path from 'node:path';
import { type BuildResult, build, type Plugin } from 'esbuild';
import { TesseraError } from '../errors.ts';
import { isBareSpecifier, type PackageSet } from '../packages/index.ts';
import type { StaticAsset } from './assets.ts';
import { tenantBuildOptions } from './build-options.ts';
import { compileError, confinedMessagesOf } from './errors.ts';
import { checkPackageInputs, nodeBuiltinsError, SHARED_MODULES, tenantImportsPlugin, type BuiltinUse } from './imports.ts';

/** What one component bundle takes from one package specifier. */
export interface SpecifierUse {
  names: Set<string>;
  /** `import * as x` or `import('x')`: everything the module exports. */
  namespace: boolean;
  /** `import 'x'` alone: the module runs for its side effects. */
  bare: boolean;
}

/** An app's npm packages as the browser gets them: import map entries and the files they name. */
export interface PackageAssets {
  /** Specifier (`date-fns`, `date-fns/locale`) -> URL of its vendor module. */
  imports: Record<string, string>;
  /** Vendor modules and their shared chunks, by content-addressed file name. */
  assets: Map<string, StaticAsset>;
}

export const NO_PACKAGE_ASSETS: PackageAssets = Object.freeze({ imports: {}, assets: new Map() }) as PackageAssets;

// esbuild hoists every external import of an ES module bundle to its top, in these forms:
// import{a as b,c as d}from"x";  import e from"x";  import e,{f as g}from"x";  import*as h from"x";  import"x";
const STATIC_IMPORT = /^import\s*(?:([\w$]+)\s*,?\s*)?(?:\*\s*as\s*[\w$]+\s*|\{([^}]*)\}\s*)?(?:from\s*)?(["'])([^"']+)\3\s*;?\s*/;
const DYNAMIC_IMPORT = /\bimport\(\s*(["'])([^"']+)\1\s*\)/g;

/**
 * The package specifiers a component bundle (from buildComponent) imports and which names it takes
 * from each: read off the import statements esbuild wrote at the top of the bundle.
 */
export function packageImportsOf(code: string): Map<string, SpecifierUse> {
  const uses = new Map<string, SpecifierUse>();
  const usageOf = (specifier: string): SpecifierUse =>
    uses.get(specifier) ?? uses.set(specifier, { names: new Set(), namespace: false, bare: false }).get(specifier)!;
  const shared = new Set<string>(SHARED_MODULES);
  let rest = code.replace(/^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  for (let match = STATIC_IMPORT.exec(rest); match; match = STATIC_IMPORT.exec(rest)) {
    const [whole, defaultName, named, , specifier] = match;
    rest = rest.slice(whole.length);
    if (!specifier || shared.has(specifier) || !isBareSpecifier(specifier)) continue;
    const use = usageOf(specifier);
    if (defaultName) use.names.add('default');
    if (whole.includes('*')) use.namespace = true;
    for (const part of (named ?? '').split(',')) {
      const imported = part
        .trim()
        .split(/\s+as\s+/)[0]
        ?.trim()
        .replace(/^["']|["']$/g, '');
      if (imported) use.names.add(imported);
    }
    if (!defaultName && named === undefined && !whole.includes('*')) use.bare = true;
  }
  for (const match of code.matchAll(DYNAMIC_IMPORT)) {
    const specifier = match[2]!;
    if (!shared.has(specifier) && isBareSpecifier(specifier)) usageOf(specifier).namespace = true;
  }
  return uses;
}

const ENTRY = 'tessera-package-entry';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The vendor entry of one specifier: re-exports exactly the names the app's components take. */
function entrySource(specifier: string, use: SpecifierUse): string {
  const s = JSON.stringify(specifier);
  const lines: string[] = [];
  if (use.namespace) lines.push(`export * from ${s};`);
  const names = [...use.names].filter((n) => n !== 'default').sort();
  const exported = names.map((n) => (IDENTIFIER.test(n) ? n : JSON.stringify(n)));
  if (exported.length) lines.push(`export { ${exported.join(', ')} } from ${s};`);
  if (use.names.has('default')) lines.push(`export { default } from ${s};`);
  if (!lines.length) lines.push(`import ${s};`);
  return `${lines.join('\n')}\n`;
}

/**
 * Builds an app's npm packages for the browser, once per app rather than once per component: one
 * ES module per specifier its components import, exporting the union of the names they take (so
 * unused code is still shaken out), with code they share split into common chunks, React left to
 * the import map. File names are content hashes and the store is the working directory, so the same
 * components and lockfile give the same bytes on any machine.
 */
export async function buildPackageAssets(
  components: Iterable<{ name: string; code: string }>,
  packages: PackageSet | null,
  options: { baseUrl?: string } = {},
): Promise<PackageAssets> {
  const baseUrl = options.baseUrl ?? '/_tessera/';
  const uses = new Map<string, SpecifierUse>();
  for (const component of [...components].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const [specifier, use] of packageImportsOf(component.code)) {
      const merged = uses.get(specifier) ?? uses.set(specifier, { names: new Set(), namespace: false, bare: false }).get(specifier)!;
      for (const n of use.names) merged.names.add(n);
      merged.namespace ||= use.namespace;
      merged.bare ||= use.bare;
    }
  }
  if (uses.size === 0) return { imports: {}, assets: new Map() };
  if (!packages)
    throw new TesseraError('PACKAGE_UNAVAILABLE', `The app's components import npm packages (${[...uses.keys()].join(', ')}) but it has no package-lock.json.`);
  const specifiers = [...uses.keys()].sort();
  const entryName = (specifier: string): string => specifier.replace(/^@/, '').replace(/[^A-Za-z0-9._-]/g, '-');
  const entries: Plugin = {
    name: ENTRY,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${ENTRY}:`) }, (args) => ({ path: args.path.slice(ENTRY.length + 1), namespace: ENTRY }));
      b.onLoad({ filter: /.*/, namespace: ENTRY }, (args) => ({
        contents: entrySource(args.path, uses.get(args.path)!),
        loader: 'js',
        resolveDir: packages.storeRoot,
      }));
    },
  };
  const builtins: BuiltinUse[] = [];
  let result: BuildResult<{ metafile: true; write: false }>;
  try {
    result = await build({
      ...tenantBuildOptions('browser', packages),
      entryPoints: Object.fromEntries(specifiers.map((s) => [entryName(s), `${ENTRY}:${s}`])),
      outdir: path.join(packages.storeRoot, '.out'),
      splitting: true,
      minify: true,
      entryNames: '[name]-[hash]',
      chunkNames: 'pkg-chunk-[hash]',
      plugins: [entries, tenantImportsPlugin({ kind: 'component', packages, builtins })],
    });
  } catch (err) {
    if (builtins.length) throw nodeBuiltinsError(builtins);
    throw compileError('npm packages', confinedMessagesOf(err, 'npm packages', packages));
  }
  checkPackageInputs(result.metafile, packages, 'npm packages');
  const assets = new Map<string, StaticAsset>();
  for (const file of result.outputFiles) {
    assets.set(path.basename(file.path), {
      fileName: path.basename(file.path),
      code: file.text,
      contentType: 'text/javascript; charset=utf-8',
      hash: createHash('sha256').update(file.contents).digest('hex'),
    });
  }
  const imports: Record<string, string> = {};
  for (const [outPath, output] of Object.entries(result.metafile.outputs)) {
    if (output.entryPoint?.startsWith(`${ENTRY}:`)) imports[output.entryPoint.slice(ENTRY.length + 1)] = `${baseUrl}pkg/${path.basename(outPath)}`;
  }
  return { imports, assets };
}
