import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import type { Metafile, OnResolveArgs, OnResolveResult, Plugin } from 'esbuild';
import { TesseraError } from '../errors.ts';
import { CODE_FILE, CODE_LOADERS, globOutside } from './literal-imports.ts';
import { isValidPackageName, packageNameOf, PLATFORM_PACKAGES, type PackageSet, type ResolvedPackage } from '../packages/index.ts';

/** Specifiers the browser resolves through the app's import map: one React (and one UI kit) per app, shared by every bundle. */
export const SHARED_MODULES = ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', '@tessera/ui'] as const;

/** Modules the platform supplies to functions at run time (locally by the sandbox, on Fission by the bundle's environment). */
export const PLATFORM_MODULES = ['@tessera/db', '@tessera/secrets', '@tessera/auth', '@tessera/email'] as const;

export type TenantCodeKind = 'component' | 'function';

const isShared = (specifier: string): boolean => (SHARED_MODULES as readonly string[]).includes(specifier);
const isPlatform = (specifier: string): boolean => (PLATFORM_MODULES as readonly string[]).includes(specifier);
const isLocal = (specifier: string): boolean =>
  specifier.startsWith('.') || specifier.startsWith('/') || /^[A-Za-z]:[\\/]/.test(specifier) || specifier.startsWith('file:') || specifier.startsWith('\\');
const isNodeBuiltin = (specifier: string): boolean => isBuiltin(specifier);

/** A package whose browser build imports Node built-ins: the caller turns these into PACKAGE_NODE_BUILTINS. */
export interface BuiltinUse {
  package: string;
  builtin: string;
  file: string;
}

/** PACKAGE_NODE_BUILTINS for the first package whose browser build needs Node built-ins. */
export function nodeBuiltinsError(uses: BuiltinUse[]): TesseraError {
  const first = uses[0]!;
  const builtins = [...new Set(uses.filter((u) => u.package === first.package).map((u) => `'${u.builtin}'`))].join(', ');
  return new TesseraError(
    'PACKAGE_NODE_BUILTINS',
    `The npm package ${first.package} needs the Node.js built-in${builtins.includes(',') ? 's' : ''} ${builtins} (in ${first.file}) in its browser build, and components run in the browser. Use it in a backend function instead (fetch('/api/<name>') from the component), or choose a package made for browsers.`,
    { details: { package: first.package, builtins: uses.map((u) => u.builtin) } },
  );
}

/**
 * Every file a build read must be tenant code (its stdin `sourcefile`), a virtual module of these
 * plugins, or a file inside one of the app's packages: a package's relative or absolute import that
 * left its package (`../../../etc/passwd`) fails the build here, before any output is used. Run on
 * every build, with packages or not: without packages, nothing on disk may have been read at all.
 * The error never names the file (it is outside the app: its path is the host's business).
 */
export function checkPackageInputs(metafile: Metafile, packages: PackageSet | null | undefined, sourcefile: string): void {
  for (const input of Object.keys(metafile.inputs)) {
    if (input === sourcefile || VIRTUAL.some((ns) => input.startsWith(`${ns}:`))) continue;
    const absolute = packages ? path.resolve(packages.storeRoot, input) : null;
    if (!absolute || !packages!.ownerOf(absolute)) {
      throw new TesseraError('COMPILE_ERROR', `Compile error:\n${sourcefile}: ${OUTSIDE_READ}`, { details: { file: sourcefile } });
    }
  }
}

/** Said when a build reached for a file outside the app's packages; deliberately without its name. */
export const OUTSIDE_READ =
  "the build reached for a file that is not part of the app's npm packages (its name is not shown); a package may import only its own files and its dependencies, and tenant code only packages by name.";

/** The file esbuild names in a message or an input, made absolute (esbuild makes them relative to the working folder). */
export const absoluteInBuild = (file: string, workingDir: string): string => path.resolve(workingDir, file);

export interface TenantImportsOptions {
  kind: TenantCodeKind;
  /** The app's installed packages; without them, a package import is refused (scan builds leave them external). */
  packages?: PackageSet | null;
  /** Leave package imports as bare specifiers: a component's browser bundle gets them from the import map. */
  externalPackages?: boolean;
  /** Collects the package names tenant code imports. */
  found?: Set<string>;
  /** Collects Node built-ins that packages import in a browser build. */
  builtins?: BuiltinUse[];
}

/** What each kind of tenant code can import, for refusal messages the model can act on. */
const COMPONENT_IMPORTS =
  "react, react-dom, react/jsx-runtime, '@tessera/ui' (the UI kit: Button, Input, Form, Table, Card, Tabs, Dialog, toast, ...) and npm packages by bare name";
const FUNCTION_IMPORTS = `${PLATFORM_MODULES.map((m) => `'${m}'`).join(', ')}, Node built-ins (e.g. 'node:crypto') and npm packages by bare name`;
const HOW_PACKAGES = (tool: string, specifier: string) =>
  `npm packages are resolved by ${tool}: import '${packageNameOf(specifier)}' by bare name and the tool installs its newest version, or the range in its optional \`dependencies\` argument (e.g. {"${packageNameOf(specifier)}": "^1"})`;

function refusal(kind: TenantCodeKind, specifier: string): string {
  if (kind === 'component') {
    if (isLocal(specifier))
      return `components are single files: import of '${specifier}' is not possible. Put that code in this file, or compose components in the blueprint (a node's "children" are passed as props.children). Components can import ${COMPONENT_IMPORTS}.`;
    if (isNodeBuiltin(specifier))
      return `'${specifier}' is a Node.js built-in, which does not exist in the browser: components run in the browser. Do that work in a backend function and fetch('/api/<name>') it. Components can import ${COMPONENT_IMPORTS}.`;
    if (isPlatform(specifier))
      return `'${specifier}' is not available to components (it is for backend functions). Components can import ${COMPONENT_IMPORTS}.`;
    if (PLATFORM_PACKAGES.includes(packageNameOf(specifier)))
      return `'${specifier}' is not available: the platform provides ${SHARED_MODULES.join(', ')} to components (one copy per app). Components can import ${COMPONENT_IMPORTS}.`;
    return `npm packages are not available to components here: '${specifier}' (this build has no package set). ${HOW_PACKAGES('createFrontendComponent', specifier)}. Components can import ${COMPONENT_IMPORTS}.`;
  }
  if (isLocal(specifier))
    return `functions are single files: import of '${specifier}' is not possible. Put that code in this file. Functions can import ${FUNCTION_IMPORTS}.`;
  if (PLATFORM_PACKAGES.includes(packageNameOf(specifier)))
    return `'${specifier}' is for components only (functions run on the server: return data and render it in a component). Functions can import ${FUNCTION_IMPORTS}.`;
  return `npm packages are not available to functions here: '${specifier}' (this build has no package set). ${HOW_PACKAGES('createBackendFunction', specifier)}. Functions can import ${FUNCTION_IMPORTS}.`;
}

/** Marks esbuild's own resolution of a path this plugin already vetted (build.resolve re-enters onResolve). */
const INTERNAL = Symbol('tessera-internal-resolve');
const EMPTY = 'tessera-empty';
const SHARED_CJS = 'tessera-shared-cjs';
/** Namespaces of modules that exist only in a build (see also bundler/package-assets.ts). */
const VIRTUAL = [EMPTY, SHARED_CJS, 'tessera-package-entry'];

const within = (file: string, dir: string): boolean => file === dir || file.startsWith(dir + path.sep);

/**
 * Resolves every import of tenant code and of the packages it uses. Tenant code may import the
 * platform's shared modules (components), the platform modules and Node built-ins (functions), and
 * the npm packages of its app by bare name; a relative or absolute path is a compile error. A
 * package may import its own files and its declared dependencies, each resolved inside the exact
 * store copy the app's lockfile names. Nothing ever resolves through the platform's own
 * node_modules: bare names never reach esbuild's node_modules walk from tenant code, and every
 * path esbuild finds is checked to lie inside the package it belongs to.
 */
export function tenantImportsPlugin(kindOrOptions: TenantCodeKind | TenantImportsOptions): Plugin {
  const options: TenantImportsOptions = typeof kindOrOptions === 'string' ? { kind: kindOrOptions } : kindOrOptions;
  const { kind, packages } = options;
  const browser = kind === 'component';
  const manifests = new Map<string, { browser?: unknown }>();
  const manifestOf = (pkg: ResolvedPackage): { browser?: unknown } => {
    let manifest = manifests.get(pkg.key);
    if (!manifest) {
      try {
        manifest = JSON.parse(readFileSync(path.join(packages!.packageDirOf(pkg.key), 'package.json'), 'utf8')) as { browser?: unknown };
      } catch {
        manifest = {};
      }
      manifests.set(pkg.key, manifest);
    }
    return manifest;
  };

  return {
    name: 'tessera-tenant-imports',
    setup(build) {
      /** esbuild's own resolution of `specifier` from `resolveDir`, accepted only inside `dir`. */
      async function resolveInside(specifier: string, args: OnResolveArgs, resolveDir: string, dir: string, who: string): Promise<OnResolveResult> {
        const result = await build.resolve(specifier, { kind: args.kind, resolveDir, importer: args.importer, pluginData: INTERNAL });
        if (result.errors.length) return { errors: result.errors };
        if (result.namespace === 'file' && !within(result.path, dir))
          return { errors: [{ text: `${who}: '${specifier}' resolves outside its package; that is not allowed.` }] };
        if (result.external) return { errors: [{ text: `${who}: '${specifier}' cannot be resolved.` }] };
        return { path: result.path, namespace: result.namespace, sideEffects: result.sideEffects, suffix: result.suffix };
      }

      function sharedModule(args: OnResolveArgs): OnResolveResult {
        // An ES module in the browser has no `require`: a CommonJS package gets a wrapper module that
        // imports the shared module, so its require('react') is the app's one React.
        if (args.kind === 'require-call') return { path: args.path, namespace: SHARED_CJS };
        return { path: args.path, external: true };
      }

      function fromTenant(args: OnResolveArgs): OnResolveResult | Promise<OnResolveResult> {
        const specifier = args.path;
        if (browser && isShared(specifier)) {
          if (args.kind === 'require-call' && args.namespace !== SHARED_CJS) {
            return { errors: [{ text: `use \`import ... from '${specifier}'\` instead of require('${specifier}'): components are ES modules.` }] };
          }
          return { path: specifier, external: true };
        }
        if (!browser && (isPlatform(specifier) || isNodeBuiltin(specifier))) return { path: specifier, external: true };
        if (isLocal(specifier) || isNodeBuiltin(specifier) || isShared(specifier) || isPlatform(specifier))
          return { errors: [{ text: refusal(kind, specifier) }] };
        const name = packageNameOf(specifier);
        if (!isValidPackageName(name))
          return { errors: [{ text: `'${specifier}' is not a valid npm package name (lowercase letters, digits, - . _ ~, optionally @scope/).` }] };
        if (PLATFORM_PACKAGES.includes(name)) return { errors: [{ text: refusal(kind, specifier) }] };
        if (browser && args.kind === 'require-call') {
          return { errors: [{ text: `use \`import ... from '${specifier}'\` instead of require('${specifier}'): components are ES modules.` }] };
        }
        options.found?.add(name);
        if (options.externalPackages) return { path: specifier, external: true };
        const key = packages?.root[name];
        if (!packages || !key) {
          if (!packages) return { errors: [{ text: refusal(kind, specifier) }] };
          return {
            errors: [
              {
                text: `the npm package '${name}' is not among the app's dependencies: ${HOW_PACKAGES(kind === 'component' ? 'createFrontendComponent' : 'createBackendFunction', specifier)}.`,
              },
            ],
          };
        }
        return resolveInside(specifier, args, packages.resolveDirOf(key), packages.packageDirOf(key), key);
      }

      async function fromPackage(args: OnResolveArgs, owner: ResolvedPackage): Promise<OnResolveResult | undefined> {
        const specifier = args.path;
        const ownerDir = packages!.packageDirOf(owner.key);
        // A package's own files: esbuild's native resolution (with the package's "browser" map), a
        // third of the time of a round trip through build.resolve on big packages; where they
        // landed is checked over the whole build afterwards (checkPackageInputs).
        if (isLocal(specifier)) return undefined;
        if (isNodeBuiltin(specifier)) {
          if (!browser) return { path: specifier, external: true };
          // The package's "browser" field may stub a built-in out ({"fs": false}) or replace it.
          const map = manifestOf(owner).browser;
          const mapped =
            map && typeof map === 'object'
              ? ((map as Record<string, unknown>)[specifier] ?? (map as Record<string, unknown>)[specifier.replace(/^node:/, '')])
              : undefined;
          if (mapped === false) return { path: specifier, namespace: EMPTY };
          if (typeof mapped === 'string') return resolveInside(mapped.startsWith('.') ? mapped : `./${mapped}`, args, ownerDir, ownerDir, owner.key);
          options.builtins?.push({ package: owner.key, builtin: specifier, file: path.relative(ownerDir, args.importer) });
          return {
            errors: [
              {
                text: `the package ${owner.key} imports the Node.js built-in '${specifier}' (in ${path.relative(ownerDir, args.importer)}), which browsers do not have.`,
              },
            ],
          };
        }
        const name = packageNameOf(specifier);
        if (PLATFORM_PACKAGES.includes(name)) {
          if (browser && isShared(specifier)) return sharedModule(args);
          return {
            errors: [
              {
                text: `the package ${owner.key} imports '${specifier}', which is ${browser ? 'not among the shared modules the platform provides' : 'provided to components only'}.`,
              },
            ],
          };
        }
        const key = name === owner.name ? owner.key : owner.deps[name];
        if (!key)
          return {
            errors: [{ text: `the package ${owner.key} imports '${specifier}' without declaring '${name}' in its dependencies; it cannot be resolved.` }],
          };
        return resolveInside(specifier, args, packages!.resolveDirOf(key), packages!.packageDirOf(key), key);
      }

      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || args.pluginData === INTERNAL) return undefined;
        const owner = packages && args.namespace === 'file' && path.isAbsolute(args.importer) ? packages.ownerOf(args.importer) : null;
        if (owner) return fromPackage(args, owner);
        if (args.namespace === 'file' && path.isAbsolute(args.importer)) return { errors: [{ text: `'${args.importer}' is not part of the app's packages.` }] };
        return fromTenant(args);
      });
      // Every file esbuild is about to read, including the ones a computed import() or require()
      // expanded into (a glob esbuild resolves without asking onResolve above): only package files.
      // Refused here, the file is never opened (a glob over /dev would otherwise block on a device).
      const workingDir = build.initialOptions.absWorkingDir ?? process.cwd();
      build.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
        const file = absoluteInBuild(args.path, workingDir);
        const owner = packages?.ownerOf(file);
        if (!owner) return { errors: [{ text: OUTSIDE_READ }] };
        // A package's computed import that would make esbuild walk folders outside it (even `/`).
        // The code is handed to esbuild as read here (with its default loader), so it is read once.
        const loader = CODE_FILE.exec(file)?.[0];
        if (!loader || (args.with && Object.keys(args.with).length)) return undefined;
        const contents = readFileSync(file, 'utf8');
        if (globOutside(contents, path.dirname(file), packages!.packageDirOf(owner.key)) !== null) {
          return {
            errors: [
              {
                text: `the package ${owner.key} computes a module name (${path.relative(packages!.packageDirOf(owner.key), file)}) that starts outside the package; a package may load only its own files and its dependencies.`,
              },
            ],
          };
        }
        return { contents, loader: CODE_LOADERS[loader] };
      });
      build.onLoad({ filter: /.*/, namespace: EMPTY }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      build.onLoad({ filter: /.*/, namespace: SHARED_CJS }, (args) => ({
        contents: `import * as m from ${JSON.stringify(args.path)};\nmodule.exports = m.default && typeof m.default === 'object' ? Object.assign({}, m, m.default) : m;\n`,
        loader: 'js',
      }));
    },
  };
}
