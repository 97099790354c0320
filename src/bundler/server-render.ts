import { build } from 'esbuild';
import { PROJECT_ROOT } from '../child-entry.ts';

let vendor: Promise<string> | null = null;

/**
 * React, its JSX runtime and `renderToString` as one CommonJS file, evaluated once inside each
 * sandbox that renders components (the sandbox cannot read node_modules). Uses the browser build of
 * react-dom/server, which needs no Node built-ins.
 */
export function buildServerRenderVendor(): Promise<string> {
  vendor ??= build({
    stdin: {
      contents: "module.exports = { React: require('react'), jsxRuntime: require('react/jsx-runtime'), ReactDOM: require('react-dom'), renderToString: require('react-dom/server.browser').renderToString };",
      resolveDir: PROJECT_ROOT,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['main'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  }).then((result) => result.outputFiles[0]!.text);
  return vendor;
}
