import type { PackageSet } from '../packages/index.ts';

/** One CommonJS file for Node 20, as Fission's Node.js environment and Tessera's sandbox load it. */
export const NODE_CJS_BUNDLE = {
  bundle: true,
  write: false,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'silent',
} as const;

/** ES modules for the browser (components, and the app's npm vendor modules), built for production. */
export const BROWSER_ESM_BUNDLE = {
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
} as const;

/**
 * The esbuild options every build of tenant code or of its npm packages shares: where it runs, fixed
 * compiler options (no tsconfig.json on disk may change how tenant code compiles), a metafile (every
 * input is checked against the app's packages afterwards: checkPackageInputs), and paths relative to
 * the package store, so that what esbuild writes into a bundle never names a machine's own folders.
 * Each build adds its input, its plugins and what is its own.
 */
export function tenantBuildOptions<RunsIn extends 'browser' | 'node'>(runsIn: RunsIn, packages: PackageSet | null | undefined) {
  return {
    ...((runsIn === 'node' ? NODE_CJS_BUNDLE : BROWSER_ESM_BUNDLE) as RunsIn extends 'node' ? typeof NODE_CJS_BUNDLE : typeof BROWSER_ESM_BUNDLE),
    tsconfigRaw: {},
    metafile: true as const,
    ...(packages ? { absWorkingDir: packages.storeRoot } : {}),
  };
}
