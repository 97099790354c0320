import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { PackageManager, type PackageSet } from '../packages/index.ts';
import { startTestRegistry, type FixturePackage, type TestRegistry } from '../../test/support/npm-registry.ts';
import { buildComponent, buildComponentForServer } from './component.ts';
import { buildFunction } from './function.ts';
import { buildPackageAssets } from './package-assets.ts';

/**
 * Packages from the registry that try to read host files when an app's function or component is
 * built: computed imports (esbuild's globs), loaders, tsconfig.json `extends`/`paths` (esbuild reads
 * a package's tsconfig.json), package.json `main`/`browser`/`exports`/`imports` pointing outside,
 * symbolic links, files that fail to parse. Package code is not held to the literal rule (real
 * packages glob their own folders, e.g. locales); what it reaches is: every file a build opens
 * must be inside one of the app's packages, checked before it is read.
 */
const CANARY = `CANARY_${randomBytes(8).toString('hex')}`;
/** A file name no package spells out: only a glob could find it, so it must not appear in a message either. */
const HIDDEN = `hidden-${randomBytes(6).toString('hex')}`;
const host = mkdtempSync(path.join(os.tmpdir(), 'tessera-hostile-pkg-'));
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-hostile-data-'));
/** Enough `../` to climb from any folder of the store to `/`. */
const UP = '../'.repeat(40);
const outside = (dir: string): string => `${UP}${dir.slice(1)}`;
const esm = { type: 'module', main: 'index.js' };

const hostile: FixturePackage[] = [
  {
    name: 'glob-text',
    version: '1.0.0',
    manifest: esm,
    files: { 'index.js': `export const load = (x) => import(\`${outside(host)}/\${x}\`, { with: { type: 'text' } });\n` },
  },
  {
    name: 'glob-require',
    version: '1.0.0',
    manifest: { main: 'index.js' },
    files: { 'index.js': `module.exports = (x) => require('${outside(host)}/' + x);\n` },
  },
  {
    name: 'glob-data-dir',
    version: '1.0.0',
    manifest: { main: 'index.js' },
    files: { 'index.js': `module.exports = (x) => require(\`${outside(dataDir)}/\${x}\`);\n` },
  },
  {
    name: 'glob-json',
    version: '1.0.0',
    manifest: esm,
    files: { 'index.js': `export const load = (x) => import('${outside(host)}/' + x + '.json', { with: { type: 'json' } });\n` },
  },
  { name: 'glob-root', version: '1.0.0', manifest: { main: 'index.js' }, files: { 'index.js': `module.exports = (x) => require('${UP}' + x);\n` } },
  { name: 'glob-dev', version: '1.0.0', manifest: { main: 'index.js' }, files: { 'index.js': `module.exports = (x) => require('${UP}dev/' + x);\n` } },
  { name: 'main-outside', version: '1.0.0', manifest: { main: `${outside(host)}/secret.js` }, files: { 'README.md': 'main points outside\n' } },
  {
    name: 'browser-outside',
    version: '1.0.0',
    manifest: { main: 'index.js', browser: { './index.js': `${outside(host)}/secret.js` } },
    files: { 'index.js': 'module.exports = "fine";\n' },
  },
  {
    name: 'exports-outside',
    version: '1.0.0',
    manifest: { exports: { '.': `./${outside(host)}/secret.js` } },
    files: { 'index.js': 'module.exports = "fine";\n' },
  },
  {
    name: 'imports-outside',
    version: '1.0.0',
    manifest: { ...esm, imports: { '#secret': `${outside(host)}/secret.js` } },
    files: { 'index.js': "export { default } from '#secret';\n" },
  },
  {
    name: 'relative-outside',
    version: '1.0.0',
    manifest: { main: 'index.js' },
    files: { 'index.js': `module.exports = require('${outside(dataDir)}/secret.key');\n` },
  },
  { name: 'broken-outside', version: '1.0.0', manifest: esm, files: { 'index.js': `export * from '${outside(host)}/broken.js';\n` } },
  {
    name: 'tsconfig-extends',
    version: '1.0.0',
    manifest: { main: 'index.jsx' },
    files: { 'tsconfig.json': JSON.stringify({ extends: path.join(host, 'secret.key') }), 'index.jsx': 'export const el = <div />;\n' },
  },
  {
    name: 'tsconfig-factory',
    version: '1.0.0',
    manifest: { main: 'index.jsx' },
    files: { 'tsconfig.json': JSON.stringify({ extends: path.join(host, 'tsconfig.json') }), 'index.jsx': 'export const el = <div />;\n' },
  },
  {
    name: 'tsconfig-paths',
    version: '1.0.0',
    manifest: { main: 'index.ts' },
    files: {
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: host, paths: { '~secret': [path.join(host, 'secret.js')], '*': [`${host}/*`] } } }),
      'index.ts': "export { default } from '~secret';\nexport * from 'secret.js';\n",
    },
  },
  {
    name: 'css-outside',
    version: '1.0.0',
    manifest: esm,
    files: { 'index.js': "import './style.css';\nexport const styled = 1;\n", 'style.css': `@import "${outside(host)}/secret.css";\n.a { color: red }\n` },
  },
  {
    name: 'symlinked',
    version: '1.0.0',
    manifest: { main: 'index.js' },
    files: { 'index.js': "module.exports = require('./link.js') + require('./dir/secret.js');\n" },
    symlinks: { 'link.js': path.join(host, 'secret.js'), dir: host },
  },
];

/** Harmless uses of the same features: a glob over the package's own folder, a text import of its own file. */
const harmless: FixturePackage[] = [
  {
    name: 'own-locales',
    version: '1.0.0',
    manifest: { main: 'index.js' },
    files: {
      'index.js': "module.exports = (x) => require('./locale/' + x + '.js');\n",
      'locale/en.js': "module.exports = 'LOCALE_EN';\n",
      'locale/fr.js': "module.exports = 'LOCALE_FR';\n",
    },
  },
  {
    name: 'own-text',
    version: '1.0.0',
    manifest: esm,
    files: { 'index.js': "import notes from './notes.txt';\nexport { notes };\n", 'notes.txt': 'OWN_TEXT\n' },
  },
];

let registry: TestRegistry;
const sets = new Map<string, PackageSet>();

beforeAll(async () => {
  writeFileSync(path.join(host, 'secret.key'), `${CANARY}\n`);
  writeFileSync(path.join(host, 'secret.js'), `module.exports = ${JSON.stringify(CANARY)};\n`);
  writeFileSync(path.join(host, 'secret.json'), JSON.stringify({ canary: CANARY }));
  writeFileSync(path.join(host, 'secret.css'), `.x { content: "${CANARY}"; }\n`);
  writeFileSync(path.join(host, 'broken.js'), `${CANARY} is not ( JavaScript\n`);
  writeFileSync(path.join(host, 'tsconfig.json'), JSON.stringify({ compilerOptions: { jsxFactory: CANARY, jsx: 'react' } }));
  writeFileSync(path.join(dataDir, 'secret.key'), `${CANARY}\n`);
  for (const dir of [host, dataDir]) writeFileSync(path.join(dir, `${HIDDEN}.js`), `module.exports = ${JSON.stringify(CANARY)};\n`);
  registry = await startTestRegistry([...hostile, ...harmless]);
  const manager = new PackageManager({ dataDir, registry: registry.url, timeoutMs: 5000, maxUnpackedBytes: 1_000_000 });
  for (const pkg of [...hostile, ...harmless]) sets.set(pkg.name, await manager.resolve(`app-${pkg.name}`, { [pkg.name]: pkg.version }, null));
}, 60_000);
afterAll(async () => {
  await registry?.close();
  rmSync(host, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs a build that may fail; the canary must be nowhere in what comes back, and it must end quickly. */
async function contained<T>(run: () => Promise<T>): Promise<{ value: T | null; error: TesseraError | null }> {
  const started = Date.now();
  const outcome = await run().then(
    (value) => ({ value, error: null }),
    (error: unknown) => ({ value: null, error }),
  );
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(JSON.stringify(outcome.value ?? '')).not.toContain(CANARY);
  expect(JSON.stringify(outcome.value ?? '')).not.toContain(HIDDEN);
  if (outcome.error === null) return { value: outcome.value, error: null };
  if (!(outcome.error instanceof TesseraError)) throw outcome.error;
  expect(outcome.error.message).not.toContain(CANARY);
  expect(JSON.stringify(outcome.error.details ?? {})).not.toContain(CANARY);
  // Nor the names a glob found (what the package spelled out itself may be quoted: that is its own code).
  expect(outcome.error.message).not.toContain(HIDDEN);
  expect(JSON.stringify(outcome.error.details ?? {})).not.toContain(HIDDEN);
  return { value: null, error: outcome.error };
}

/** The three builds that bundle a package's code: a function, a component's server render, the app's browser modules. */
function buildsOf(name: string): Record<string, () => Promise<unknown>> {
  const set = sets.get(name)!;
  const component = `import * as pkg from '${name}';\nexport default function Uses() { return <p>{Object.keys(pkg).join(',')}</p>; }\n`;
  return {
    function: () =>
      buildFunction({ name: 'uses', code: `const pkg = require('${name}');\nmodule.exports = async () => ({ status: 200, body: String(pkg) });\n` }, set),
    'server render': () => buildComponentForServer({ name: 'Uses', code: component }, set),
    'browser modules': async () => buildPackageAssets([await buildComponent({ name: 'Uses', code: component })], set),
  };
}

describe('hostile builds: packages', () => {
  it.each(hostile.map((pkg) => [pkg.name]))('%s: no build reads a host file; each fails with a clear error or builds without it', async (name) => {
    for (const [kind, run] of Object.entries(buildsOf(name))) {
      const { error } = await contained(run);
      if (error) expect(['COMPILE_ERROR', 'PACKAGE_NODE_BUILTINS'], `${kind}: ${error.message}`).toContain(error.code);
    }
  });

  it('a package that reaches outside fails with an error that says so and names neither the file nor its content', async () => {
    for (const name of ['glob-text', 'glob-require', 'glob-data-dir', 'relative-outside', 'broken-outside', 'symlinked']) {
      const { error } = await contained(buildsOf(name).function!);
      expect(error?.code, name).toBe('COMPILE_ERROR');
      expect(error!.message, name).toMatch(/not part of the app's npm packages|computes a module name|Could not resolve/);
    }
  });

  it('stores no symbolic link: the links of a package are dropped when it is unpacked', async () => {
    const set = sets.get('symlinked')!;
    const { lstatSync, existsSync } = await import('node:fs');
    const dir = set.packageDirOf(set.root.symlinked!);
    expect(existsSync(path.join(dir, 'index.js'))).toBe(true);
    for (const link of ['link.js', 'dir']) expect(() => lstatSync(path.join(dir, link))).toThrow(/ENOENT/);
  });

  it('a tsconfig.json in a package changes nothing: no extends outside, no jsxFactory from the host, no paths', async () => {
    for (const name of ['tsconfig-extends', 'tsconfig-factory']) {
      const { value } = await contained(buildsOf(name).function!);
      expect((value as { code: string } | null)?.code ?? '', name).not.toContain(CANARY);
    }
    const { error } = await contained(buildsOf('tsconfig-paths').function!);
    expect(error?.code).toBe('COMPILE_ERROR');
  });

  it.each([['glob-dev'], ['glob-root'], ['glob-data-dir']])(
    '%s: a computed name that starts outside the package fails at once, before esbuild walks a folder',
    async (name) => {
      const started = Date.now();
      const { error } = await contained(buildsOf(name).function!);
      expect(error?.code).toBe('COMPILE_ERROR');
      expect(error!.message).toContain(`the package ${name}@1.0.0 computes a module name (index.js) that starts outside the package`);
      expect(Date.now() - started).toBeLessThan(5000);
    },
  );

  it('a package may still glob and inline its own files', async () => {
    const locales = await buildFunction(
      { name: 'uses', code: "const t = require('own-locales');\nmodule.exports = async () => ({ status: 200, body: t('en') });\n" },
      sets.get('own-locales'),
    );
    expect(locales.code).toContain('LOCALE_EN');
    expect(locales.code).toContain('LOCALE_FR');
    const text = await buildFunction(
      { name: 'uses', code: "const { notes } = require('own-text');\nmodule.exports = async () => ({ status: 200, body: notes });\n" },
      sets.get('own-text'),
    );
    expect(text.code).toContain('OWN_TEXT');
  });
});
