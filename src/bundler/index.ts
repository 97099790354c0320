export { buildComponent, buildComponentForServer, SHARED_MODULES, type BuiltComponent } from './component.ts';
export { buildServerRenderVendor } from './server-render.ts';
export { buildFunction, type BuiltFunction } from './function.ts';
export { buildAppAssets, renderShellHtml, scriptJson, type AppAssets, type StaticAsset } from './assets.ts';
