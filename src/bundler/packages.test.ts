import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tesseraFailure } from '../../test/support/errors.ts';
import { fixturePackages } from '../../test/support/npm-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../../test/support/npm-registry.ts';
import { PackageManager, type PackageSet } from '../packages/index.ts';
import { buildComponent, buildComponentForServer, buildFunction, buildPackageAssets, buildSandbox, packageImportsOf } from './index.ts';

function runCjs(code: string): any {
  const module = { exports: {} as any };
  vm.runInNewContext(code, {
    module,
    exports: module.exports,
    require: (name: string) => {
      throw new Error(`no require(${name}) here`);
    },
  });
  return module.exports;
}

describe('bundling npm packages', () => {
  let registry: TestRegistry;
  const dirs: string[] = [];
  const manager = (): PackageManager => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bundle-pkg-'));
    dirs.push(dataDir);
    return new PackageManager({ dataDir, registry: registry.url, timeoutMs: 5000, maxUnpackedBytes: 10_000_000 });
  };
  let set: PackageSet;

  beforeAll(async () => {
    registry = await startTestRegistry(fixturePackages().packages);
    set = await manager().resolve(
      'app',
      {
        'tiny-format': 'latest',
        '@fixture/scoped': 'latest',
        'cjs-greet': 'latest',
        'browser-mapped': 'latest',
        'node-only': 'latest',
        'uses-old-format': 'latest',
      },
      null,
    );
  });
  afterAll(async () => {
    await registry.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const A = `import { fmt } from 'tiny-format';\nimport { extra } from '@fixture/scoped/extra';\nexport default function A() { return <p>{fmt(7)} {extra}</p>; }\n`;
  const B = `import { fmt } from 'tiny-format';\nimport { greet } from 'cjs-greet';\nexport default function B() { return <p>{fmt(1)} {greet('b')}</p>; }\n`;

  it('leaves packages to the import map in component bundles and lists what each takes', async () => {
    const a = await buildComponent({ name: 'A', code: A });
    expect(a.packages).toEqual(['@fixture/scoped', 'tiny-format']);
    expect(a.code).not.toContain('v2:');
    const uses = packageImportsOf(a.code);
    expect([...uses.keys()].sort()).toEqual(['@fixture/scoped/extra', 'tiny-format']);
    expect([...uses.get('tiny-format')!.names]).toEqual(['fmt']);
  });

  it('reads every import form esbuild writes', () => {
    const uses = packageImportsOf(
      'import d,{a as b,"x-y" as c}from"p1";import*as n from"@s/p2/sub";import"p3";import{useState as u}from"react";const l=()=>import("p4");',
    );
    expect([...uses.keys()].sort()).toEqual(['@s/p2/sub', 'p1', 'p3', 'p4']);
    expect([...uses.get('p1')!.names].sort()).toEqual(['a', 'default', 'x-y']);
    expect(uses.get('@s/p2/sub')!.namespace).toBe(true);
    expect(uses.get('p3')!.bare).toBe(true);
    expect(uses.get('p4')!.namespace).toBe(true);
  });

  it('builds each package once per app, shaken to the names the components take, and byte-identical from the same lockfile', async () => {
    const components = [await buildComponent({ name: 'A', code: A }), await buildComponent({ name: 'B', code: B })];
    const assets = await buildPackageAssets(components, set);
    expect(Object.keys(assets.imports).sort()).toEqual(['@fixture/scoped/extra', 'cjs-greet', 'tiny-format']);
    const tiny = assets.assets.get(assets.imports['tiny-format']!.split('/').pop()!)!;
    expect(tiny.code).toContain('v2:');
    expect(tiny.code).not.toContain('UNUSED_EXPORT_MARKER');
    // A second store, elsewhere on disk, installing from the same lockfile: same files, same bytes.
    const again = await buildPackageAssets(components, await manager().install(set.lockfile));
    expect(again.imports).toEqual(assets.imports);
    expect([...again.assets.values()].map((a) => a.hash)).toEqual([...assets.assets.values()].map((a) => a.hash));
  });

  it('bundles packages (the nested version a package needs included) into a function', async () => {
    const fn = await buildFunction(
      {
        name: 'hello',
        code: `const { greet } = require('cjs-greet');\nconst { old } = require('uses-old-format');\nconst { fmt } = require('tiny-format');\nmodule.exports = async () => ({ status: 200, body: greet('x') + ' ' + old(1) + ' ' + fmt(2) });\n`,
      },
      set,
    );
    expect(fn.packages).toEqual(['cjs-greet', 'tiny-format', 'uses-old-format']);
    expect(fn.code).not.toContain(set.storeRoot);
    const exported = runCjs(fn.code);
    expect((await exported()).body).toBe('hello x old:v1.1:1 v2:002');
    const again = await buildFunction(
      { name: 'hello', code: `const { greet } = require('cjs-greet');\nmodule.exports = async () => ({ status: 200, body: greet('y') });\n` },
      await manager().install(set.lockfile),
    );
    const first = await buildFunction(
      { name: 'hello', code: `const { greet } = require('cjs-greet');\nmodule.exports = async () => ({ status: 200, body: greet('y') });\n` },
      set,
    );
    expect(again.hash).toBe(first.hash);
  });

  it('bundles packages into the server render build; Node built-ins in a browser build are PACKAGE_NODE_BUILTINS', async () => {
    const server = await buildComponentForServer({ name: 'A', code: A }, set);
    expect(server).toContain('v2:');
    const mapped = await buildComponentForServer(
      { name: 'M', code: `import { hasFs } from 'browser-mapped';\nexport default function M() { return <p>{String(hasFs())}</p>; }\n` },
      set,
    );
    expect(mapped).toContain('hasFs');
    const err = await tesseraFailure(
      buildComponentForServer({ name: 'N', code: `import { read } from 'node-only';\nexport default function N() { return <p>{read('x')}</p>; }\n` }, set),
    );
    expect(err.code).toBe('PACKAGE_NODE_BUILTINS');
    expect(err.message).toContain('node-only@1.0.0');
    expect(err.message).toContain("'node:fs'");
    // The same package is fine in a function (Node has its built-ins).
    const fn = await buildFunction(
      { name: 'reader', code: `const { read } = require('node-only');\nmodule.exports = async () => ({ status: 200, body: typeof read });\n` },
      set,
    );
    expect(fn.code).toContain('require("node:fs")');
  });

  it('fails the build when a package imports a file outside itself', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'tessera-outside-'));
    dirs.push(outside);
    writeFileSync(path.join(outside, 'secret.js'), "export const secret = 'SERVER_SECRET';\n");
    await registry.publish(
      {
        name: 'escaper',
        version: '1.0.0',
        manifest: { type: 'module', main: 'index.js' },
        files: { 'index.js': `export { secret } from ${JSON.stringify(path.join(outside, 'secret.js'))};\n` },
      },
      {
        name: 'escaper-rel',
        version: '1.0.0',
        manifest: { type: 'module', main: 'index.js' },
        files: { 'index.js': "export { greet as secret } from '../../../cjs-greet@3.2.1/node_modules/cjs-greet/lib/index.js';\n" },
      },
    );
    // cjs-greet sits in the same store for another app, but is not this app's package.
    const pm = manager();
    await pm.resolve('other', { 'cjs-greet': '3.2.1' }, null);
    const escaping = await pm.resolve('app', { escaper: '1.0.0', 'escaper-rel': '1.0.0' }, null);
    // In the build sandbox the file is not there at all (only the app's own package folders are
    // bound); without bubblewrap the worker sees it, and the input check refuses the build.
    const refusal = (await buildSandbox().isolation()) === 'bubblewrap' ? 'Could not resolve' : "not part of the app's npm packages";
    for (const name of ['escaper', 'escaper-rel']) {
      const component = await buildComponent({
        name: 'Leak',
        code: `import { secret } from '${name}';\nexport default function Leak() { return <p>{String(secret)}</p>; }\n`,
      });
      const err = await tesseraFailure(buildPackageAssets([component], escaping));
      expect(err.message).toContain(refusal);
      const fn = await tesseraFailure(
        buildFunction(
          { name: 'leak', code: `const { secret } = require('${name}');\nmodule.exports = async () => ({ status: 200, body: String(secret) });\n` },
          escaping,
        ),
      );
      expect(fn.message).toContain(refusal);
      expect(
        (
          await tesseraFailure(
            buildComponentForServer(
              { name: 'Leak', code: `import { secret } from '${name}';\nexport default function Leak() { return <p>{String(secret)}</p>; }\n` },
              escaping,
            ),
          )
        ).message,
      ).toContain(refusal);
      for (const failure of [err, fn]) expect(failure.message).not.toContain('SERVER_SECRET');
    }
  });

  it('still refuses paths, Node built-ins in components, and packages the app does not have', async () => {
    expect(
      (
        await tesseraFailure(
          buildComponent({ name: 'P', code: `import x from '../../package.json';\nexport default function P() { return <p>{String(x)}</p>; }\n` }),
        )
      ).message,
    ).toContain('single files');
    expect(
      (await tesseraFailure(buildComponent({ name: 'F', code: `import fs from 'fs';\nexport default function F() { return <p>{String(fs)}</p>; }\n` })))
        .message,
    ).toContain('Node.js built-in');
    expect(
      (
        await tesseraFailure(
          buildComponent({
            name: 'R',
            code: `import { renderToString } from 'react-dom/server';\nexport default function R() { return <p>{String(renderToString)}</p>; }\n`,
          }),
        )
      ).message,
    ).toContain('the platform provides');
    // vitest is in the platform's own node_modules: tenant code can never reach it.
    const err = await tesseraFailure(
      buildFunction({ name: 'sneaky', code: `const v = require('vitest');\nmodule.exports = async () => ({ status: 200, body: String(v) });\n` }, set),
    );
    expect(err.message).toContain("'vitest' is not among the app's dependencies");
    const none = await tesseraFailure(
      buildFunction({ name: 'sneaky', code: `const v = require('tiny-format');\nmodule.exports = async () => ({ status: 200, body: String(v) });\n` }),
    );
    expect(none.code).toBe('COMPILE_ERROR');
  });
});
