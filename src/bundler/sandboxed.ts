/**
 * The bundler's public build functions, each run in the app's sandboxed build worker (sandbox/):
 * esbuild reads tenant code and npm packages (both tenant-controlled) there, never in the platform's
 * process. Same signatures and results as the compile functions they wrap (component.ts,
 * function.ts, package-assets.ts), plus which app the build is for.
 */
import type { PackageSet } from '../packages/index.ts';
import type { BuiltComponent } from './component.ts';
import type { BuiltFunction } from './function.ts';
import type { PackageAssets } from './package-assets.ts';
import type { PackageSetRef, SourceFile } from './sandbox/messages.ts';
import { BuildSandbox, DEFAULT_BUILD_SANDBOX, type BuildSandboxOptions } from './sandbox/pool.ts';

/** Which app a build is for: its builds share one warm worker. Unnamed builds share one of their own. */
export interface BuildContext {
  tenant?: string;
}

let sandbox: BuildSandbox | null = null;

/**
 * The platform's limits for builds (BUILD_TIMEOUT_MS, BUILD_MEMORY_MB, BUILD_WORKERS). The workers of
 * the sandbox used before finish the builds they have, then stop.
 */
export function configureBuildSandbox(options: Partial<BuildSandboxOptions>): BuildSandbox {
  const previous = sandbox;
  sandbox = new BuildSandbox({ ...DEFAULT_BUILD_SANDBOX, ...options });
  void previous?.close();
  return sandbox;
}

/** The build sandbox in use (default limits until configured). */
export function buildSandbox(): BuildSandbox {
  sandbox ??= new BuildSandbox(DEFAULT_BUILD_SANDBOX);
  return sandbox;
}

/** Stops `which` (by default the one in use) once its builds are done. */
export async function closeBuildSandbox(which: BuildSandbox | null = sandbox): Promise<void> {
  if (which === sandbox) sandbox = null;
  await which?.close();
}

const refOf = (packages: PackageSet | null | undefined): PackageSetRef | null =>
  packages ? { storeRoot: packages.storeRoot, lockfile: packages.lockfile } : null;
const source = (input: { name: string; code: string }): SourceFile => ({ name: input.name, code: input.code });

/** See component.ts's buildComponent: a TSX component as a standalone, minified ES module. */
export function buildComponent(input: { name: string; code: string }, context: BuildContext = {}): Promise<BuiltComponent> {
  return buildSandbox().run(context.tenant ?? '', null, { op: 'component', input: source(input) });
}

/** See component.ts's buildComponentForServer: the component as CommonJS with its packages bundled in. */
export function buildComponentForServer(input: { name: string; code: string }, packages?: PackageSet | null, context: BuildContext = {}): Promise<string> {
  return buildSandbox().run(context.tenant ?? '', packages, { op: 'component-for-server', input: source(input), packages: refOf(packages) });
}

/** See function.ts's buildFunction: one CommonJS file for Node 20. */
export function buildFunction(
  input: { name: string; code: string },
  packages?: PackageSet | null,
  options: { scan?: boolean } & BuildContext = {},
): Promise<BuiltFunction> {
  return buildSandbox().run(options.tenant ?? '', packages, { op: 'function', input: source(input), packages: refOf(packages), scan: Boolean(options.scan) });
}

/** See package-assets.ts's buildPackageAssets: the app's npm packages as browser modules. */
export async function buildPackageAssets(
  components: Iterable<{ name: string; code: string }>,
  packages: PackageSet | null,
  options: { baseUrl?: string } & BuildContext = {},
): Promise<PackageAssets> {
  const job = {
    op: 'package-assets' as const,
    components: [...components].map(source),
    packages: refOf(packages),
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
  };
  return buildSandbox().run(options.tenant ?? '', packages, job);
}
