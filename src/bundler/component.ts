import { createHash } from 'node:crypto';
import { build, type Plugin } from 'esbuild';
import { TesseraError } from '../errors.ts';
import { compileError, messagesOf } from './errors.ts';

/** Specifiers the browser resolves through the app's import map (served once per app). */
export const SHARED_MODULES = ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime'] as const;

export interface BuiltComponent {
  name: string;
  /** The ES module, minified. */
  code: string;
  /** sha256 of the code: the bundle's identity. */
  hash: string;
  /** Content-addressed: `<Name>.<hash12>.js`, cached forever. */
  fileName: string;
  bytes: number;
}

/**
 * Resolves every import of tenant code itself: shared modules stay external, anything else is an
 * error. This also keeps the platform's own node_modules out of reach of tenant code.
 */
export function tenantImportsPlugin(kind: 'component' | 'function', allowed: (specifier: string) => boolean): Plugin {
  return {
    name: 'tessera-tenant-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (allowed(args.path)) return { path: args.path, external: true };
        const relative = args.path.startsWith('.') || args.path.startsWith('/');
        const text = relative
          ? `${kind === 'component' ? 'Components' : 'Functions'} are single files: cannot import "${args.path}". Put the code in this file${kind === 'component' ? ', or compose components through the blueprint\'s children' : ''}.`
          : `Package "${args.path}" is not available to ${kind}s yet. Available: ${kind === 'component' ? SHARED_MODULES.join(', ') : '@tessera/db and Node built-ins'}.`;
        return { errors: [{ text }] };
      });
    },
  };
}

const isShared = (specifier: string): boolean => (SHARED_MODULES as readonly string[]).includes(specifier);

/** Compiles a TSX component into a standalone ES module with React external. */
export async function buildComponent(input: { name: string; code: string }): Promise<BuiltComponent> {
  const file = `frontend/${input.name}.tsx`;
  let result;
  try {
    result = await build({
      stdin: { contents: input.code, loader: 'tsx', sourcefile: file, resolveDir: '/' },
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      jsx: 'automatic',
      minify: true,
      metafile: true,
      legalComments: 'none',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [tenantImportsPlugin('component', isShared)],
    });
  } catch (err) {
    throw compileError(file, messagesOf(err));
  }
  const output = Object.values(result.metafile.outputs)[0];
  if (!output?.exports.includes('default')) {
    throw new TesseraError('COMPILE_ERROR', `${file} has no default export: export the component with \`export default function ${input.name}() { ... }\`.`, { details: { file } });
  }
  const code = result.outputFiles[0]!.text;
  const hash = createHash('sha256').update(code).digest('hex');
  return { name: input.name, code, hash, fileName: `${input.name}.${hash.slice(0, 12)}.js`, bytes: Buffer.byteLength(code) };
}

/**
 * The same component as CommonJS for a one-off render on the server (in the tenant's sandbox),
 * with React supplied by the sandbox (see buildServerRenderVendor).
 */
export async function buildComponentForServer(input: { name: string; code: string }): Promise<string> {
  const file = `frontend/${input.name}.tsx`;
  try {
    const result = await build({
      stdin: { contents: input.code, loader: 'tsx', sourcefile: file, resolveDir: '/' },
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2022',
      jsx: 'automatic',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [tenantImportsPlugin('component', isShared)],
    });
    return result.outputFiles[0]!.text;
  } catch (err) {
    throw compileError(file, messagesOf(err));
  }
}
