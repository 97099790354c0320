import { createHash } from 'node:crypto';
import { build, transform, type BuildResult, type Message } from 'esbuild';
import { functionNameSchema } from '../names.ts';
import { checkName, compileError, confinedMessagesOf, messagesOf } from './errors.ts';
import type { PackageSet } from '../packages/index.ts';
import { checkPackageInputs, tenantImportsPlugin } from './imports.ts';
import { checkLiteralImports } from './literal-imports.ts';
import { tenantBuildOptions } from './build-options.ts';

/** A compiled backend function: one CommonJS file in Fission's Node.js contract. */
export interface BuiltFunction {
  name: string;
  /** One CommonJS file whose `module.exports` is the function: runs in Tessera's sandbox and on Fission unchanged. */
  code: string;
  /** sha256 (hex) of `code`. */
  hash: string;
  /** Where the source lives in the tenant repo: `functions/<name>.js`, or `.ts` when the source is TypeScript. */
  sourceFile: string;
  /** npm packages the function imports (bundled into `code`); absent when unknown. */
  packages?: string[];
}

// An ESM `export default` compiles to `module.exports = { default: fn, ...named }`; Fission calls
// module.exports itself, so make the default the export while keeping named exports on it (and
// `default` pointing at itself, for loaders that look there). Per key with try: a named export
// called `name` or `length` must not break loading (or change the arity the runtimes look at).
export const CJS_DEFAULT_FOOTER = `if(module.exports&&typeof module.exports!=="function"&&typeof module.exports.default==="function"){const m=module.exports,f=m.default;for(const k of Object.keys(m)){try{if(!Object.prototype.hasOwnProperty.call(f,k))f[k]=m[k]}catch{}}module.exports=f;}`;

type Loader = 'js' | 'ts';

async function parseErrors(code: string, loader: Loader): Promise<Message[] | null> {
  try {
    await transform(code, { loader, logLevel: 'silent', tsconfigRaw: {} });
    return null;
  } catch (err) {
    return messagesOf(err);
  }
}

const position = (messages: Message[]): number => {
  const location = messages[0]?.location;
  return location ? location.line * 1e6 + location.column : -1;
};

/**
 * JavaScript unless only TypeScript parses it. When neither parses, the parser that got further
 * wins: TypeScript with a typo would otherwise be reported at its first type annotation.
 */
async function detectLoader(code: string): Promise<{ loader: Loader; errors: Message[] | null }> {
  const jsErrors = await parseErrors(code, 'js');
  if (!jsErrors) return { loader: 'js', errors: null };
  const tsErrors = await parseErrors(code, 'ts');
  if (!tsErrors) return { loader: 'ts', errors: null };
  return position(tsErrors) > position(jsErrors) ? { loader: 'ts', errors: tsErrors } : { loader: 'js', errors: jsErrors };
}

/**
 * Bundles a function's source (JavaScript or TypeScript, ES module or CommonJS) into one CommonJS
 * file for Node 20, as Fission ships it. `@tessera/db`, `@tessera/secrets` and Node built-ins stay
 * external; npm packages are bundled in from `packages` (the app's lockfile, in the store); with
 * `scan`, they stay external instead and are only listed (to learn what to resolve). Any other
 * import is a COMPILE_ERROR located at `functions/<name>.js:LINE:COLUMN`.
 *
 * @example
 * const fn = await buildFunction({ name: 'hello', code: 'module.exports = async () => ({ status: 200, body: "hi" })' });
 * fn.sourceFile; // 'functions/hello.js'
 */
export async function buildFunction(
  input: { name: string; code: string },
  packages?: PackageSet | null,
  options: { scan?: boolean } = {},
): Promise<BuiltFunction> {
  checkName(functionNameSchema, 'function', input.name);
  const { loader, errors } = await detectLoader(input.code);
  const sourceFile = `functions/${input.name}.${loader}`;
  if (errors) throw compileError(sourceFile, errors);
  await checkLiteralImports(sourceFile, input.code, loader);
  let result: BuildResult<{ write: false; metafile: true }>;
  const found = new Set<string>();
  try {
    result = await build({
      ...tenantBuildOptions('node', packages),
      stdin: { contents: input.code, loader, sourcefile: sourceFile },
      footer: { js: CJS_DEFAULT_FOOTER },
      plugins: [tenantImportsPlugin({ kind: 'function', packages: packages ?? null, externalPackages: Boolean(options.scan), found })],
    });
  } catch (err) {
    throw compileError(sourceFile, confinedMessagesOf(err, sourceFile, packages));
  }
  checkPackageInputs(result.metafile, packages, sourceFile);
  const code = result.outputFiles[0]!.text;
  return { name: input.name, code, hash: createHash('sha256').update(code).digest('hex'), sourceFile, packages: [...found].sort() };
}
