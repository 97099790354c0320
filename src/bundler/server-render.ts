import { build } from 'esbuild';
import { PROJECT_ROOT } from '../project-root.ts';
import { UI_KIT_ENTRY } from './assets.ts';

let vendor: Promise<string> | null = null;

/**
 * React, its JSX runtime, `renderToString` and the UI kit (over the same React) as one CommonJS file, evaluated once inside each
 * sandbox that renders components (the sandbox cannot read node_modules). Uses the browser build of
 * react-dom/server, which needs no Node built-ins.
 */
export function buildServerRenderVendor(): Promise<string> {
  vendor ??= build({
    stdin: {
      contents: `module.exports = { React: require('react'), jsxRuntime: require('react/jsx-runtime'), ReactDOM: require('react-dom'), renderToString: require('react-dom/server.browser').renderToString, ui: require(${JSON.stringify(UI_KIT_ENTRY)}) };`,
      resolveDir: PROJECT_ROOT,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['main'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  }).then((result) => result.outputFiles[0]!.text);
  return vendor;
}
