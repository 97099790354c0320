import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build, type OutputFile, type Plugin } from 'esbuild';
import { PROJECT_ROOT } from '../child-entry.ts';
import { SHARED_MODULES } from './component.ts';

export interface StaticAsset {
  fileName: string;
  code: string;
  contentType: string;
  hash: string;
}

export interface AppAssets {
  /** Maps each shared specifier (react, react-dom/client, ...) to its vendor bundle URL. */
  importMap: { imports: Record<string, string> };
  /** Every vendor file, chunk and the shell, by file name (content-addressed). */
  assets: Map<string, StaticAsset>;
  /** File name of the shell's entry module. */
  shellFile: string;
  baseUrl: string;
}

const requireFromProject = createRequire(path.join(PROJECT_ROOT, 'package.json'));
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * React ships CommonJS, whose exports esbuild cannot see statically: generate an ES module per
 * shared specifier that names every export, so `import { useState } from 'react'` works in the browser.
 */
function vendorPlugin(): Plugin {
  return {
    name: 'tessera-vendor',
    setup(b) {
      b.onResolve({ filter: /^vendor:/ }, (args) => ({ path: args.path.slice('vendor:'.length), namespace: 'vendor' }));
      b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => {
        const names = Object.keys(requireFromProject(args.path) as object).filter((key) => key !== 'default' && IDENTIFIER.test(key));
        return {
          contents: `import m from ${JSON.stringify(args.path)};\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`,
          resolveDir: PROJECT_ROOT,
          loader: 'js',
        };
      });
    },
  };
}

function toAsset(file: OutputFile): StaticAsset {
  const fileName = path.basename(file.path);
  return { fileName, code: file.text, contentType: 'text/javascript; charset=utf-8', hash: createHash('sha256').update(file.contents).digest('hex') };
}

const entryName = (specifier: string): string => specifier.replace(/[/]/g, '-');

/** Builds React's vendor bundles (one shared copy) and the app shell; done once per platform process. */
export async function buildAppAssets(options: { baseUrl?: string } = {}): Promise<AppAssets> {
  const baseUrl = options.baseUrl ?? '/_tessera/assets/';
  const common = { bundle: true, write: false, format: 'esm' as const, target: 'es2022', minify: true, legalComments: 'none' as const, logLevel: 'silent' as const, define: { 'process.env.NODE_ENV': '"production"' } };
  const vendor = await build({
    ...common,
    entryPoints: Object.fromEntries(SHARED_MODULES.map((specifier) => [entryName(specifier), `vendor:${specifier}`])),
    outdir: '/vendor',
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    plugins: [vendorPlugin()],
  });
  const assets = new Map<string, StaticAsset>();
  const imports: Record<string, string> = {};
  for (const file of vendor.outputFiles ?? []) assets.set(path.basename(file.path), toAsset(file));
  for (const [outPath, output] of Object.entries(vendor.metafile.outputs)) {
    const specifier = output.entryPoint?.replace(/^vendor:/, '');
    if (specifier) imports[specifier] = `${baseUrl}${path.basename(outPath)}`;
  }

  const shell = await build({
    ...common,
    entryPoints: { shell: path.join(PROJECT_ROOT, 'web', 'shell', 'main.tsx') },
    outdir: '/shell',
    entryNames: '[name]-[hash]',
    jsx: 'automatic',
    external: [...SHARED_MODULES],
  });
  const shellAsset = toAsset(shell.outputFiles![0]!);
  assets.set(shellAsset.fileName, shellAsset);
  return { importMap: { imports }, assets, shellFile: shellAsset.fileName, baseUrl };
}

/** JSON that is safe inside a <script> element: no `</script>` or `<!--` can close or confuse it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const BASE_CSS = `*,*::before,*::after{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#111827;background:#fff}
button,input,select,textarea{font:inherit}img{max-width:100%}`;

/** The HTML page every app origin serves: import map, the app's data inline, the shell. */
export function renderShellHtml(input: { title: string; assets: AppAssets; blueprint: unknown; components: Record<string, string>; mode?: string }): string {
  const { assets } = input;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${BASE_CSS}</style>
<script type="importmap">${scriptJson(assets.importMap)}</script>
<script type="application/json" id="tessera-app">${scriptJson({ blueprint: input.blueprint, components: input.components, mode: input.mode ?? 'draft' })}</script>
<link rel="modulepreload" href="${assets.baseUrl}${assets.shellFile}">
</head>
<body>
<div id="root"></div>
<script type="module" src="${assets.baseUrl}${assets.shellFile}"></script>
</body>
</html>
`;
}
