import { createHash } from 'node:crypto';
import { build, type BuildResult } from 'esbuild';
import { TesseraError } from '../errors.ts';
import { componentNameSchema } from '../names.ts';
import { checkName, compileError, confinedMessagesOf } from './errors.ts';
import type { PackageSet } from '../packages/index.ts';
import { checkPackageInputs, nodeBuiltinsError, tenantImportsPlugin, type BuiltinUse } from './imports.ts';
import { checkLiteralImports } from './literal-imports.ts';
import { tenantBuildOptions } from './build-options.ts';

/** A compiled frontend component: a standalone ES module whose React imports the import map resolves. */
export interface BuiltComponent {
  name: string;
  /** The ES module, minified. */
  code: string;
  /** sha256 (hex) of `code`: the bundle's identity. */
  hash: string;
  /** Content-addressed, cacheable forever: `<Name>.<hash12>.js`. */
  fileName: string;
  /** Size of `code` in bytes (UTF-8). */
  bytes: number;
  /** npm packages the component imports (left as bare imports for the import map); absent when unknown. */
  packages?: string[];
}

/**
 * Compiles one TSX component (`frontend/<Name>.tsx`) into a standalone, minified ES module.
 * React and npm packages stay external (bare imports the app's import map resolves: each package
 * is served once per app, see buildPackageAssets); a path import is a COMPILE_ERROR, as is a module
 * without a default export. The bundle depends on the source alone: same input, same output (and hash).
 *
 * @example
 * const built = await buildComponent({ name: 'Hello', code: 'export default function Hello() { return <p>Hi</p> }' });
 * built.fileName; // 'Hello.3f2a9c0d1b7e.js'
 */
export async function buildComponent(input: { name: string; code: string }): Promise<BuiltComponent> {
  const found = new Set<string>();
  const { file, result } = await compile(input, 'esm', { externalPackages: true, found });
  const output = Object.values(result.metafile.outputs)[0];
  if (!output?.exports.includes('default')) {
    throw new TesseraError('COMPILE_ERROR', `${file} has no default export: export the component with \`export default function ${input.name}() {...}\`.`, {
      details: { file, problems: [{ file, message: 'no default export' }] },
    });
  }
  const code = result.outputFiles[0]!.text;
  const hash = createHash('sha256').update(code).digest('hex');
  return { name: input.name, code, hash, fileName: `${input.name}.${hash.slice(0, 12)}.js`, bytes: Buffer.byteLength(code), packages: [...found].sort() };
}

/**
 * The same component as CommonJS, for a one-off render on the server (in the tenant's sandbox),
 * with React supplied by the sandbox (see buildServerRenderVendor) and its npm packages bundled in
 * (their browser builds: a package that needs Node built-ins there is PACKAGE_NODE_BUILTINS).
 */
export async function buildComponentForServer(input: { name: string; code: string }, packages?: PackageSet | null): Promise<string> {
  return (await compile(input, 'cjs', { packages: packages ?? null })).result.outputFiles[0]!.text;
}

async function compile(
  input: { name: string; code: string },
  format: 'esm' | 'cjs',
  imports: { externalPackages?: boolean; found?: Set<string>; packages?: PackageSet | null },
): Promise<{ file: string; result: BuildResult<{ write: false; metafile: true }> }> {
  checkName(componentNameSchema, 'component', input.name);
  const file = `frontend/${input.name}.tsx`;
  await checkLiteralImports(file, input.code, 'tsx');
  const builtins: BuiltinUse[] = [];
  try {
    const result = await build({
      ...tenantBuildOptions('browser', imports.packages),
      stdin: { contents: input.code, loader: 'tsx', sourcefile: file },
      // Browser resolution in both formats: the server render (cjs) bundles the packages' browser builds too.
      format,
      jsx: 'automatic',
      minify: format === 'esm',
      plugins: [tenantImportsPlugin({ kind: 'component', ...imports, builtins })],
    });
    checkPackageInputs(result.metafile, imports.packages, file);
    return { file, result };
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    if (builtins.length) throw nodeBuiltinsError(builtins);
    throw compileError(file, confinedMessagesOf(err, file, imports.packages));
  }
}
