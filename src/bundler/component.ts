import { createHash } from 'node:crypto';
import { build, type BuildResult } from 'esbuild';
import { TesseraError } from '../errors.ts';
import { componentNameSchema } from '../names.ts';
import { checkName, compileError, messagesOf } from './errors.ts';
import { tenantImportsPlugin } from './imports.ts';

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
}

/**
 * Compiles one TSX component (`frontend/<Name>.tsx`) into a standalone, minified ES module.
 * React stays external; any other import is a COMPILE_ERROR, as is a module without a default export.
 * Same input, same output (and hash).
 *
 * @example
 * const built = await buildComponent({ name: 'Hello', code: 'export default function Hello() { return <p>Hi</p> }' });
 * built.fileName; // 'Hello.3f2a9c0d1b7e.js'
 */
export async function buildComponent(input: { name: string; code: string }): Promise<BuiltComponent> {
  const { file, result } = await compile(input, 'esm');
  const output = Object.values(result.metafile.outputs)[0];
  if (!output?.exports.includes('default')) {
    throw new TesseraError('COMPILE_ERROR', `${file} has no default export: export the component with \`export default function ${input.name}() {...}\`.`, {
      details: { file, problems: [{ file, message: 'no default export' }] },
    });
  }
  const code = result.outputFiles[0]!.text;
  const hash = createHash('sha256').update(code).digest('hex');
  return { name: input.name, code, hash, fileName: `${input.name}.${hash.slice(0, 12)}.js`, bytes: Buffer.byteLength(code) };
}

/**
 * The same component as CommonJS, for a one-off render on the server (in the tenant's sandbox),
 * with React supplied by the sandbox (see buildServerRenderVendor). Same checks and errors.
 */
export async function buildComponentForServer(input: { name: string; code: string }): Promise<string> {
  return (await compile(input, 'cjs')).result.outputFiles[0]!.text;
}

async function compile(input: { name: string; code: string }, format: 'esm' | 'cjs'): Promise<{ file: string; result: BuildResult<{ write: false; metafile: true }> }> {
  checkName(componentNameSchema, 'component', input.name);
  const file = `frontend/${input.name}.tsx`;
  try {
    const result = await build({
      stdin: { contents: input.code, loader: 'tsx', sourcefile: file },
      // Fixed compiler options: no tsconfig.json on disk may change how tenant code compiles.
      tsconfigRaw: {},
      bundle: true,
      write: false,
      format,
      target: 'es2022',
      platform: format === 'esm' ? 'browser' : 'neutral',
      jsx: 'automatic',
      minify: format === 'esm',
      metafile: true,
      legalComments: 'none',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [tenantImportsPlugin('component')],
    });
    return { file, result };
  } catch (err) {
    throw compileError(file, messagesOf(err));
  }
}
