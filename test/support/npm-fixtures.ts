import os from 'node:os';
import path from 'node:path';
import type { FixturePackage } from './npm-registry.ts';

const esm = (): Record<string, unknown> => ({ type: 'module', exports: { '.': './index.js' }, main: './index.js' });

/** Fixture packages for the test registry; `marker` is where an install script would write if run. */
export function fixturePackages(marker = path.join(os.tmpdir(), `tessera-install-script-ran-${process.pid}-${Date.now()}`)): {
  packages: FixturePackage[];
  marker: string;
} {
  const writeMarker = `node -e "require('fs').writeFileSync(${JSON.stringify(JSON.stringify(marker)).slice(1, -1)}, 'ran')"`;
  const packages: FixturePackage[] = [
    { name: 'tiny-pad', version: '1.0.0', manifest: esm(), files: { 'index.js': "export function pad(s, n) { return String(s).padStart(n, '0'); }\n" } },
    { name: 'tiny-format', version: '1.0.0', manifest: esm(), files: { 'index.js': "export function fmt(x) { return 'v1.0:' + x; }\n" } },
    {
      name: 'tiny-format',
      version: '1.1.0',
      manifest: esm(),
      files: { 'index.js': "export function fmt(x) { return 'v1.1:' + x; }\nexport const unused = 'UNUSED_EXPORT_MARKER';\n" },
    },
    {
      name: 'tiny-format',
      version: '2.0.0',
      manifest: { ...esm(), dependencies: { 'tiny-pad': '^1.0.0' }, peerDependencies: { react: '>=18' } },
      files: {
        'index.js': "import { pad } from 'tiny-pad';\nexport function fmt(x) { return 'v2:' + pad(x, 3); }\nexport const unused = 'UNUSED_EXPORT_MARKER';\n",
      },
    },
    {
      name: 'uses-old-format',
      version: '1.0.0',
      manifest: { ...esm(), dependencies: { 'tiny-format': '^1.0.0' } },
      files: { 'index.js': "import { fmt } from 'tiny-format';\nexport function old(x) { return 'old:' + fmt(x); }\n" },
    },
    // CommonJS, for the interop paths.
    {
      name: 'cjs-greet',
      version: '3.2.1',
      manifest: { main: 'lib/index.js' },
      files: { 'lib/index.js': "exports.greet = function (n) { return 'hello ' + n; };\n" },
    },
    {
      name: 'postinstall-pkg',
      version: '1.0.0',
      manifest: { ...esm(), scripts: { postinstall: writeMarker } },
      files: { 'index.js': "export const scripted = 'postinstall-pkg loaded';\n" },
    },
    {
      name: 'native-pkg',
      version: '1.0.0',
      manifest: { main: 'index.js', gypfile: true, scripts: { preinstall: writeMarker, install: 'node-gyp rebuild' } },
      files: {
        'index.js': "module.exports = require('./build/Release/native.node');\n",
        'binding.gyp': '{"targets":[{"target_name":"native","sources":["native.cc"]}]}\n',
      },
    },
    { name: 'big-pkg', version: '1.0.0', manifest: esm(), files: { 'index.js': `export const big = ${JSON.stringify('x'.repeat(300_000))};\n` } },
    {
      name: 'node-only',
      version: '1.0.0',
      manifest: esm(),
      files: { 'index.js': "import { readFileSync } from 'node:fs';\nexport function read(p) { return readFileSync(p, 'utf8'); }\n" },
    },
    {
      name: 'browser-mapped',
      version: '1.0.0',
      manifest: { main: 'index.js', browser: { fs: false } },
      files: { 'index.js': "var fs = require('fs');\nexports.hasFs = function () { return Boolean(fs && fs.readFileSync); };\n" },
    },
    {
      name: 'needs-missing',
      version: '1.0.0',
      manifest: { ...esm(), dependencies: { 'no-such-package-anywhere': '^1.0.0' } },
      files: { 'index.js': 'export const x = 1;\n' },
    },
    {
      name: '@fixture/scoped',
      version: '0.3.0',
      manifest: { ...esm(), exports: { '.': './index.js', './extra': './extra.js' } },
      files: { 'index.js': "export const scoped = 'scoped main';\n", 'extra.js': "export const extra = 'scoped extra';\n" },
    },
  ];
  return { packages, marker };
}
