import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { buildAppAssets, buildComponent, buildFunction, renderShellHtml } from './index.ts';

async function failure(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('expected the build to fail');
}

/** Loads a CommonJS bundle the way a Node host would, with a fake @tessera/db. */
function loadFunction(code: string): (...args: unknown[]) => Promise<unknown> {
  const module = { exports: {} as unknown };
  const db = { query: async (sql: string) => [{ sql }] };
  const requireStub = (name: string) => (name === '@tessera/db' ? Object.assign(db, { default: db, __esModule: true }) : require(name));
  vm.runInThisContext(`(function (exports, require, module) {${code}\n})`)(module.exports, requireStub, module);
  return module.exports as (...args: unknown[]) => Promise<unknown>;
}

describe('buildComponent', () => {
  const source = `import { useState } from 'react';\nexport default function Counter() {\n  const [n, setN] = useState(0);\n  return <button onClick={() => setN(n + 1)}>{n}</button>;\n}\n`;

  it('builds a content-addressed ES module with React left to the import map', async () => {
    const built = await buildComponent({ name: 'Counter', code: source });
    expect(built.fileName).toBe(`Counter.${built.hash.slice(0, 12)}.js`);
    expect(built.code).toMatch(/from"react"/);
    expect(built.code).toMatch(/from"react\/jsx-runtime"/);
    expect(built.bytes).toBe(Buffer.byteLength(built.code));
    expect((await buildComponent({ name: 'Counter', code: source })).hash).toBe(built.hash);
  });

  it('reports a syntax error at its line and column', async () => {
    const err = await failure(buildComponent({ name: 'Broken', code: 'export default function Broken() {\n  return <div>\n    <span>\n  </div>;\n}' }));
    expect(err.code).toBe('COMPILE_ERROR');
    expect(err.details).toMatchObject({ file: 'frontend/Broken.tsx', line: 4 });
    expect(err.message).toMatch(/frontend\/Broken\.tsx:4:\d+: /);
  });

  it('requires a default export', async () => {
    const err = await failure(buildComponent({ name: 'Named', code: 'export function Named() { return null }' }));
    expect(err.message).toContain('has no default export');
  });

  it('refuses packages, relative imports and the platform\'s own files', async () => {
    expect((await failure(buildComponent({ name: 'A', code: "import dayjs from 'dayjs'; export default () => dayjs()" }))).message).toContain('Package "dayjs" is not available');
    expect((await failure(buildComponent({ name: 'B', code: "import X from './Other'; export default X" }))).message).toContain('single files');
    expect((await failure(buildComponent({ name: 'C', code: "import cfg from '/work/main/package.json'; export default () => cfg" }))).code).toBe('COMPILE_ERROR');
  });
});

describe('buildFunction', () => {
  it('bundles CommonJS input into a file whose module.exports is the function', async () => {
    const built = await buildFunction({ name: 'list', code: "const db = require('@tessera/db');\nmodule.exports = async (ctx) => ({ status: 200, body: await db.query('SELECT 1') });" });
    expect(built.sourceFile).toBe('functions/list.js');
    const fn = loadFunction(built.code);
    expect(typeof fn).toBe('function');
    expect(await fn({ request: {} })).toEqual({ status: 200, body: [{ sql: 'SELECT 1' }] });
  });

  it('bundles ESM and TypeScript input the same way', async () => {
    const esm = await buildFunction({ name: 'esm', code: "import db from '@tessera/db';\nexport default async function (ctx) { return { status: 200, body: await db.query('SELECT 2') } }" });
    expect(await loadFunction(esm.code)({})).toEqual({ status: 200, body: [{ sql: 'SELECT 2' }] });
    const ts = await buildFunction({ name: 'typed', code: "interface Ctx { request: { query: Record<string, string> } }\nexport default async (ctx: Ctx) => ({ status: 200, body: ctx.request.query.x })" });
    expect(ts.sourceFile).toBe('functions/typed.ts');
    expect(await loadFunction(ts.code)({ request: { query: { x: 'y' } } })).toEqual({ status: 200, body: 'y' });
  });

  it('reports errors with the function file, line and column', async () => {
    const err = await failure(buildFunction({ name: 'bad', code: 'module.exports = async () => {\n  return {\n' }));
    expect(err.code).toBe('COMPILE_ERROR');
    expect(err.message).toMatch(/functions\/bad\.js:\d+:\d+/);
    expect((await failure(buildFunction({ name: 'pkg', code: "const _ = require('lodash'); module.exports = () => _" }))).message).toContain('Package "lodash" is not available');
  });
});

describe('app assets', () => {
  it('serves one React for every shared specifier and the shell', async () => {
    const assets = await buildAppAssets();
    expect(Object.keys(assets.importMap.imports).sort()).toEqual(['react', 'react-dom', 'react-dom/client', 'react/jsx-dev-runtime', 'react/jsx-runtime']);
    // Every chunk a vendor file imports is served too (hooks working across bundles, which needs a
    // single React, is proven in the browser tests).
    for (const asset of assets.assets.values()) {
      for (const [, file] of asset.code.matchAll(/from"\.\/([^"]+)"/g)) expect(assets.assets.has(file!), `${asset.fileName} imports ${file}`).toBe(true);
    }
    const chunkImports = [...assets.assets.values()].flatMap((asset) => [...asset.code.matchAll(/from"\.\/([^"]+)"/g)]);
    expect(chunkImports.length).toBeGreaterThan(0);
    expect(assets.assets.get(assets.shellFile)?.code).toMatch(/from"react"/);
  });

  it('escapes the inline app data so a title or prop cannot close the script', async () => {
    const assets = await buildAppAssets();
    const html = renderShellHtml({ title: '<b>Notes</b>', assets, blueprint: { title: '</script><script>alert(1)</script>' }, components: {} });
    expect(html).toContain('<title>&#60;b&#62;Notes&#60;/b&#62;</title>');
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).toContain('\\u003c/script\\u003e');
  });
});
