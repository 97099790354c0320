import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { tesseraFailure } from '../../test/support/errors.ts';
import { buildFunction } from './index.ts';

const failure = tesseraFailure;

const nodeRequire = createRequire(import.meta.url);
type Fn = ((...args: unknown[]) => Promise<unknown>) & Record<string, unknown>;

/**
 * Loads a bundle as a CommonJS host does (Fission's Node.js environment, Tessera's sandbox), with a
 * fake @tessera/db. `esModuleDb` mimics the sandbox's module; without it, a plain object (as a
 * Fission-side module would be).
 */
function load(code: string, options: { esModuleDb?: boolean } = {}): Fn {
  const db: Record<string, unknown> = {
    query: async (sql: string, params: unknown[] = []) => [{ sql, params }],
    execute: async () => ({ changes: 1, lastInsertRowid: 7 }),
  };
  if (options.esModuleDb) Object.assign(db, { default: db, __esModule: true });
  const requireStub = (name: string): unknown => (name === '@tessera/db' ? db : nodeRequire(name));
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', code)(module, module.exports, requireStub);
  return module.exports as Fn;
}

describe('buildFunction', () => {
  it('bundles CommonJS input into a file whose module.exports is the function', async () => {
    const built = await buildFunction({
      name: 'list-notes',
      code: "const db = require('@tessera/db');\nmodule.exports = async function (context) {\n  return { status: 200, body: await db.query('SELECT * FROM notes WHERE id = ?', [context.request.query.id]) };\n};\n",
    });
    expect(built.sourceFile).toBe('functions/list-notes.js');
    expect(built.name).toBe('list-notes');
    expect(built.hash).toMatch(/^[0-9a-f]{64}$/);
    const fn = load(built.code);
    expect(typeof fn).toBe('function');
    expect(await fn({ request: { query: { id: '3' } } })).toEqual({ status: 200, body: [{ sql: 'SELECT * FROM notes WHERE id = ?', params: ['3'] }] });
  });

  it('turns ESM input into module.exports = the default export, keeping named exports', async () => {
    const code =
      "import db from '@tessera/db';\nexport const name = 'add-note';\nexport const limit = 5;\nexport default async function (context) {\n  const r = await db.execute('INSERT INTO notes (text) VALUES (?)', [context.request.body.text]);\n  return { status: 201, body: { id: r.lastInsertRowid, limit } };\n}\n";
    const built = await buildFunction({ name: 'add-note', code });
    for (const esModuleDb of [false, true]) {
      const fn = load(built.code, { esModuleDb });
      expect(typeof fn).toBe('function');
      expect(fn.length).toBe(1);
      expect(fn.limit).toBe(5);
      expect(fn.default).toBe(fn);
      expect(await fn({ request: { body: { text: 'hi' } } })).toEqual({ status: 201, body: { id: 7, limit: 5 } });
    }
  });

  it("keeps a callback-style function's arity and leaves non-function defaults alone", async () => {
    const callback = load((await buildFunction({ name: 'cb', code: 'export default function (context, callback) { callback(200, "ok") }' })).code);
    expect(callback.length).toBe(2);
    const object = load((await buildFunction({ name: 'obj', code: 'export default { handler: async () => ({ status: 200 }) }' })).code);
    expect(typeof object).toBe('object');
    expect(typeof (object.default as { handler: unknown }).handler).toBe('function');
  });

  it('compiles TypeScript input, recorded as a .ts source', async () => {
    const code =
      "import db from '@tessera/db';\ninterface Ctx { request: { query: Record<string, string> } }\nexport default async (ctx: Ctx): Promise<{ status: number; body: unknown }> => ({ status: 200, body: { x: ctx.request.query.x, rows: await db.query('SELECT 1') } });\n";
    const built = await buildFunction({ name: 'typed', code });
    expect(built.sourceFile).toBe('functions/typed.ts');
    expect(await load(built.code)({ request: { query: { x: 'y' } } })).toEqual({ status: 200, body: { x: 'y', rows: [{ sql: 'SELECT 1', params: [] }] } });
  });

  it('allows Node built-ins in both forms', async () => {
    const code =
      "const { createHash } = require('node:crypto');\nconst path = require('path');\nmodule.exports = async () => ({ status: 200, body: createHash('sha256').update(path.join('a', 'b')).digest('hex').length });";
    expect(await load((await buildFunction({ name: 'hash', code })).code)({})).toEqual({ status: 200, body: 64 });
  });

  it('reports a JavaScript syntax error at its line and column', async () => {
    const err = await failure(
      buildFunction({ name: 'bad', code: 'module.exports = async () => {\n  const a = 1;\n  return { status: 200, body: a + };\n};\n' }),
    );
    expect(err.code).toBe('COMPILE_ERROR');
    expect(err.message).toContain('functions/bad.js:3:35: Unexpected "}"');
    expect(err.details).toMatchObject({ file: 'functions/bad.js', line: 3, column: 35 });
  });

  it('reports a TypeScript syntax error where it is, not at the first type annotation', async () => {
    const err = await failure(
      buildFunction({ name: 'bad-ts', code: 'const a: number = 1;\nconst b = 2;\nexport default async () => ({ status: 200, body: a + });\n' }),
    );
    expect(err.message).toContain('functions/bad-ts.ts:3:54: Unexpected "}"');
    expect(err.details).toMatchObject({ file: 'functions/bad-ts.ts', line: 3, column: 54 });
  });

  it('refuses npm packages and other files, located', async () => {
    const pkg = await failure(
      buildFunction({ name: 'pkg', code: "const ok = require('@tessera/db');\nconst _ = require('lodash');\nmodule.exports = () => _;" }),
    );
    expect(pkg.message).toContain("functions/pkg.js:2:19: npm packages are not available to functions here: 'lodash'");
    expect(pkg.message).toContain("npm packages are resolved by createBackendFunction: import 'lodash' by bare name");
    expect(pkg.message).toContain("Functions can import '@tessera/db', '@tessera/secrets', '@tessera/auth', '@tessera/email', Node built-ins");
    const ui = await failure(buildFunction({ name: 'ui', code: "const ui = require('@tessera/ui');\nmodule.exports = () => ui;" }));
    expect(ui.message).toContain("'@tessera/ui' is for components only");
    expect((await failure(buildFunction({ name: 'esm-pkg', code: "import { z } from 'zod';\nexport default () => z;" }))).message).toContain(
      "not available to functions here: 'zod'",
    );
    expect((await failure(buildFunction({ name: 'fake-node', code: "import x from 'node:nope';\nexport default () => x;" }))).message).toContain("'node:nope'");
    expect((await failure(buildFunction({ name: 'rel', code: "const h = require('./helpers');\nmodule.exports = h;" }))).message).toContain(
      "functions are single files: import of './helpers'",
    );
  });

  it('is deterministic and checks the name', async () => {
    const code = 'module.exports = async () => ({ status: 204 });';
    expect((await buildFunction({ name: 'same', code })).hash).toBe((await buildFunction({ name: 'same', code })).hash);
    expect((await failure(buildFunction({ name: 'Not_Kebab', code }))).code).toBe('INVALID_NAME');
  });
});
