import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { build, transform } from 'esbuild';
import { tenantImportsPlugin } from './component.ts';
import { compileError, messagesOf } from './errors.ts';

export interface BuiltFunction {
  name: string;
  /** One CommonJS file whose `module.exports` is the function: runs in Tessera's sandbox and in Fission. */
  code: string;
  hash: string;
  /** Where the source lives in the tenant repo: `functions/<name>.js` or `.ts`. */
  sourceFile: string;
}

const PLATFORM_MODULES = new Set(['@tessera/db', '@tessera/secrets']);
const BUILTINS = new Set(builtinModules);
const isAllowed = (specifier: string): boolean => PLATFORM_MODULES.has(specifier) || specifier.startsWith('node:') || BUILTINS.has(specifier);

// An ESM `export default` compiles to `module.exports = { default: fn }`; Fission calls
// module.exports itself, so hoist the default while keeping named exports on it.
const FOOTER = `if (module.exports && typeof module.exports.default === 'function' && typeof module.exports !== 'function') { const m = module.exports; module.exports = Object.assign(m.default, m); }`;

async function detectLoader(code: string): Promise<'js' | 'ts'> {
  try {
    await transform(code, { loader: 'js', logLevel: 'silent' });
    return 'js';
  } catch (jsError) {
    try {
      await transform(code, { loader: 'ts', logLevel: 'silent' });
      return 'ts';
    } catch {
      throw jsError;
    }
  }
}

/** Bundles a function's source (JS or TS, ESM or CommonJS) into one CommonJS file. */
export async function buildFunction(input: { name: string; code: string }): Promise<BuiltFunction> {
  let loader: 'js' | 'ts';
  try {
    loader = await detectLoader(input.code);
  } catch (err) {
    throw compileError(`functions/${input.name}.js`, messagesOf(err));
  }
  const sourceFile = `functions/${input.name}.${loader}`;
  let result;
  try {
    result = await build({
      stdin: { contents: input.code, loader, sourcefile: sourceFile, resolveDir: '/' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      legalComments: 'none',
      logLevel: 'silent',
      footer: { js: FOOTER },
      plugins: [tenantImportsPlugin('function', isAllowed)],
    });
  } catch (err) {
    throw compileError(sourceFile, messagesOf(err));
  }
  const code = result.outputFiles[0]!.text;
  return { name: input.name, code, hash: createHash('sha256').update(code).digest('hex'), sourceFile };
}
