import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build, type BuildOptions, type OutputFile, type Plugin } from 'esbuild';
import { SHARED_MODULES } from './imports.ts';
import { PROJECT_ROOT } from '../project-root.ts';

/** One file the app origin serves under `<baseUrl>assets/<fileName>`, immutable. */
export interface StaticAsset {
  /** Content-addressed file name, e.g. `react-dom-client-4KXQ2ZQF.js`. */
  fileName: string;
  code: string;
  contentType: string;
  /** sha256 (hex) of `code`. */
  hash: string;
}

/** What every app page shares: React (one copy), the app shell and the import map that ties them together. */
export interface AppAssets {
  /** Maps each shared specifier (react, react-dom/client, ...) to its vendor bundle URL. */
  importMap: { imports: Record<string, string> };
  /** Every vendor entry, shared chunk and the shell, by file name. */
  assets: Map<string, StaticAsset>;
  /** File name of the shell's entry module (in `assets`). */
  shellFile: string;
  /** URL prefix the assets were built for; files are served at `${baseUrl}assets/<fileName>`. */
  baseUrl: string;
}

const SHELL_ENTRY = path.join(PROJECT_ROOT, 'web', 'shell', 'main.tsx');
/** The UI kit `@tessera/ui`: its own vendor bundle, React external, shared by the shell and every component. */
export const UI_KIT_ENTRY = path.join(PROJECT_ROOT, 'web', 'ui', 'index.tsx');
const UI_KIT = '@tessera/ui';
/** React's specifiers: built from node_modules through the wrappers below (the kit is built from its source). */
const REACT_MODULES = SHARED_MODULES.filter((specifier) => specifier !== UI_KIT);
const requireFromProject = createRequire(path.join(PROJECT_ROOT, 'package.json'));
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const VENDOR = 'tessera-vendor';

/**
 * React ships CommonJS, whose export names esbuild cannot see statically. Each shared specifier
 * gets a generated ES module naming every export (read from the package at build time), so
 * `import { useState } from 'react'` works in the browser. Names that exist only in React's
 * development build come out undefined in production, as they would from React itself.
 */
function vendorWrappers(): Plugin {
  return {
    name: VENDOR,
    setup(b) {
      b.onResolve({ filter: /^tessera-vendor:/ }, (args) => ({ path: args.path.slice(VENDOR.length + 1), namespace: VENDOR }));
      b.onLoad({ filter: /.*/, namespace: VENDOR }, (args) => {
        const names = Object.keys(requireFromProject(args.path) as object).filter((key) => key !== 'default' && IDENTIFIER.test(key));
        const named = names.length ? `export const { ${names.join(', ')} } = m;\n` : '';
        return { contents: `import m from ${JSON.stringify(args.path)};\nexport default m;\n${named}`, resolveDir: PROJECT_ROOT, loader: 'js' };
      });
    },
  };
}

function toAsset(file: OutputFile): StaticAsset {
  return {
    fileName: path.basename(file.path),
    code: file.text,
    contentType: 'text/javascript; charset=utf-8',
    hash: createHash('sha256').update(file.contents).digest('hex'),
  };
}

const COMMON: BuildOptions = {
  bundle: true,
  write: false,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  legalComments: 'none',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
};

/**
 * Builds React's vendor bundles (one build with code splitting, so every entry shares one React)
 * and the app shell, whose React imports resolve through the same import map. Done once per
 * platform process; the result is the same for the same installed packages.
 *
 * @example
 * const assets = await buildAppAssets();
 * assets.importMap.imports.react; // '/_tessera/assets/react-XXXXXXXX.js'
 */
export async function buildAppAssets(options: { baseUrl?: string } = {}): Promise<AppAssets> {
  const baseUrl = options.baseUrl ?? '/_tessera/';
  const [vendor, shell, kit] = await Promise.all([
    build({
      ...COMMON,
      entryPoints: Object.fromEntries(REACT_MODULES.map((specifier) => [specifier.replace(/\//g, '-'), `${VENDOR}:${specifier}`])),
      outdir: '/vendor',
      splitting: true,
      metafile: true,
      plugins: [vendorWrappers()],
    }),
    build({ ...COMMON, entryPoints: { shell: SHELL_ENTRY }, outdir: '/shell', jsx: 'automatic', external: [...SHARED_MODULES] }),
    build({ ...COMMON, entryPoints: { 'tessera-ui': UI_KIT_ENTRY }, outdir: '/ui', jsx: 'automatic', external: [...REACT_MODULES] }),
  ]);
  const assets = new Map<string, StaticAsset>();
  const imports: Record<string, string> = {};
  for (const file of [...(vendor.outputFiles ?? []), ...(shell.outputFiles ?? []), ...(kit.outputFiles ?? [])])
    assets.set(path.basename(file.path), toAsset(file));
  for (const [outPath, output] of Object.entries(vendor.metafile.outputs)) {
    if (output.entryPoint?.startsWith(`${VENDOR}:`)) imports[output.entryPoint.slice(VENDOR.length + 1)] = `${baseUrl}assets/${path.basename(outPath)}`;
  }
  imports[UI_KIT] = `${baseUrl}assets/${path.basename(kit.outputFiles![0]!.path)}`;
  const shellFile = path.basename(shell.outputFiles![0]!.path);
  return { importMap: { imports }, assets, shellFile, baseUrl };
}
