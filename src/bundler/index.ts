/**
 * The bundler: tenant components into standalone ES modules, tenant functions into one CommonJS
 * file each, and the per-app shared assets (React once, the app shell, the import map, the page).
 * Every build that reads tenant code or npm packages runs in the app's sandboxed build worker
 * (sandboxed.ts); only the platform's own assets (React, the shell) are built in this process.
 */
export {
  buildComponent,
  buildComponentForServer,
  buildFunction,
  buildPackageAssets,
  configureBuildSandbox,
  closeBuildSandbox,
  buildSandbox,
  type BuildContext,
} from './sandboxed.ts';
export type { BuiltComponent } from './component.ts';
export { buildServerRenderVendor } from './server-render.ts';
export { CJS_DEFAULT_FOOTER, type BuiltFunction } from './function.ts';
export { NODE_CJS_BUNDLE } from './build-options.ts';
export { buildAppAssets, type AppAssets, type StaticAsset } from './assets.ts';
export { renderShellHtml, scriptJson } from './html.ts';
export { SHARED_MODULES, PLATFORM_MODULES } from './imports.ts';
export { packageImportsOf, NO_PACKAGE_ASSETS, type PackageAssets, type SpecifierUse } from './package-assets.ts';
