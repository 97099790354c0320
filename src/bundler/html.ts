import type { AppAssets } from './assets.ts';
import type { PackageAssets } from './package-assets.ts';

/**
 * JSON that is safe inside a `<script>` element: no `</script>`, `<!--` or line separator can end
 * or confuse it, and `JSON.parse` of the element's text gives back the value.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Text safe in HTML content and in double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The page's own CSS when no app stylesheet is given; an app stylesheet (Tailwind's reset included) replaces it. */
const BASE_CSS = [
  '*,*::before,*::after{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%}',
  'body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:1.5;color:#111827;background:#fff}',
  'h1,h2,h3,h4,h5,h6{line-height:1.25;margin:0 0 .5em}',
  'p{margin:0 0 .75em}',
  'a{color:#2563eb}',
  'button,input,select,textarea{font:inherit;color:inherit}',
  'img,svg,video{max-width:100%;height:auto}',
  'table{border-collapse:collapse}',
].join('');

/**
 * The HTML page an app origin serves for every route: import map, the app's data inline
 * (`#tessera-app`: `{ blueprint, components, mode }`), base CSS and the shell. References no
 * other origin. `baseUrl` (default: the one the assets were built for) prefixes the asset URLs.
 *
 * @example
 * renderShellHtml({ title: 'Notes', assets, blueprint, components: { NotesApp: '/_tessera/mfe/NotesApp.1a2b3c4d5e6f.js' } });
 */
export function renderShellHtml(input: {
  title: string;
  assets: AppAssets;
  baseUrl?: string;
  blueprint: unknown;
  components: Record<string, string>;
  mode?: string;
  packages?: PackageAssets;
  /** URL of the app's stylesheet. Unlayered base rules would beat Tailwind's layered utilities, so with it the page has none. */
  stylesheet?: string;
}): string {
  const { assets } = input;
  const baseUrl = input.baseUrl ?? assets.baseUrl;
  const rebase = (url: string): string => (url.startsWith(assets.baseUrl) ? `${baseUrl}${url.slice(assets.baseUrl.length)}` : url);
  // The app's npm packages first, then the platform's shared modules, which no app can override.
  const imports = Object.fromEntries([
    ...Object.entries(input.packages?.imports ?? {}).map(([specifier, url]) => [specifier, rebase(url)]),
    ...Object.entries(assets.importMap.imports).map(([specifier, url]) => [specifier, rebase(url)]),
  ]);
  const shellUrl = `${baseUrl}assets/${assets.shellFile}`;
  // Everything the shell needs at start, fetched in parallel instead of one import level at a time.
  const devOnly = assets.importMap.imports['react/jsx-dev-runtime'];
  const preload = [...assets.assets.keys()]
    .map((fileName) => `${baseUrl}assets/${fileName}`)
    .filter((url) => url !== shellUrl && url !== (devOnly && rebase(devOnly)))
    .map((url) => `<link rel="modulepreload" href="${escapeHtml(url)}">`)
    .join('\n');
  const mode = input.mode ?? 'live';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
${input.stylesheet ? `<link rel="stylesheet" href="${escapeHtml(input.stylesheet)}">` : `<style>${BASE_CSS}</style>`}
<script type="importmap">${scriptJson({ imports })}</script>
<script type="application/json" id="tessera-app">${scriptJson({ blueprint: input.blueprint, components: input.components, mode })}</script>
<link rel="modulepreload" href="${escapeHtml(shellUrl)}">
${preload}
</head>
<body>
<div id="root"></div>
<noscript>This app needs JavaScript.</noscript>
<script type="module" src="${escapeHtml(shellUrl)}"></script>
</body>
</html>
`;
}
