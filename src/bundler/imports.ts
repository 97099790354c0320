import { isBuiltin } from 'node:module';
import type { Plugin } from 'esbuild';

/** Specifiers the browser resolves through the app's import map: one React (and one UI kit) per app, shared by every bundle. */
export const SHARED_MODULES = ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', '@tessera/ui'] as const;

/** Modules the platform supplies to functions at run time (locally by the sandbox, on Fission by the bundle's environment). */
export const PLATFORM_MODULES = ['@tessera/db', '@tessera/secrets'] as const;

export type TenantCodeKind = 'component' | 'function';

const isShared = (specifier: string): boolean => (SHARED_MODULES as readonly string[]).includes(specifier);
const isPlatform = (specifier: string): boolean => (PLATFORM_MODULES as readonly string[]).includes(specifier);

/** What a component may import: React's shared modules, nothing else. */
const componentImportAllowed = isShared;

/** What a function may import: the platform's modules and Node built-ins (`node:x` or bare `x`). */
const functionImportAllowed = (specifier: string): boolean => isPlatform(specifier) || isBuiltin(specifier);

function refusal(kind: TenantCodeKind, specifier: string): string {
  const local = specifier.startsWith('.') || specifier.startsWith('/') || /^[A-Za-z]:[\\/]/.test(specifier) || specifier.startsWith('file:');
  if (kind === 'component') {
    if (local) return `components are single files: import of '${specifier}' is not possible. Put that code in this file, or compose components in the blueprint (a node's "children" are passed as props.children).`;
    return `npm packages are not available to components yet: '${specifier}'. Components can import only ${SHARED_MODULES.slice(0, 3).join(', ')}; write the code you need in this file.`;
  }
  if (local) return `functions are single files: import of '${specifier}' is not possible. Put that code in this file.`;
  return `npm packages are not available to functions yet: '${specifier}'. Functions can import ${PLATFORM_MODULES.join(', ')} and Node built-ins (e.g. 'node:crypto').`;
}

/**
 * Resolves every import of tenant code itself: allowed modules stay external, anything else is a
 * compile error. Catching everything is what keeps the platform's own node_modules (and its files)
 * out of reach of tenant code: esbuild's resolver never runs.
 */
export function tenantImportsPlugin(kind: TenantCodeKind): Plugin {
  const allowed = kind === 'component' ? componentImportAllowed : functionImportAllowed;
  return {
    name: 'tessera-tenant-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (allowed(args.path)) {
          // An ES module in the browser has no `require`: esbuild would emit a shim that throws at run time.
          if (kind === 'component' && args.kind === 'require-call') {
            return { errors: [{ text: `use \`import ... from '${args.path}'\` instead of require('${args.path}'): components are ES modules.` }] };
          }
          return { path: args.path, external: true };
        }
        return { errors: [{ text: refusal(kind, args.path) }] };
      });
    },
  };
}
