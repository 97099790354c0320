/**
 * The bundler: tenant components into standalone ES modules, tenant functions into one CommonJS
 * file each, and the per-app shared assets (React once, the app shell, the import map, the page).
 */
export { buildComponent, buildComponentForServer, type BuiltComponent } from './component.ts';
export { buildServerRenderVendor } from './server-render.ts';
export { buildFunction, type BuiltFunction } from './function.ts';
export { buildAppAssets, type AppAssets, type StaticAsset } from './assets.ts';
export { renderShellHtml, scriptJson } from './html.ts';
export { SHARED_MODULES, PLATFORM_MODULES } from './imports.ts';
export { buildPackageAssets, packageImportsOf, NO_PACKAGE_ASSETS, type PackageAssets, type SpecifierUse } from './package-assets.ts';
