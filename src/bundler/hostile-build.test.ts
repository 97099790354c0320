import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { runTool } from '../tools/index.ts';
import { createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { buildComponent, buildComponentForServer } from './component.ts';
import { compileError, confinedMessagesOf, messagesOf } from './errors.ts';
import { buildFunction } from './function.ts';
import { tenantImportsPlugin } from './imports.ts';
import { LITERAL_IMPORTS_MESSAGE } from './literal-imports.ts';

/**
 * Tenant code that tries to read host files at build time. esbuild expands a computed import() or
 * require() into a glob and reads what matches without asking the import plugin; loaders inline
 * what they read; a file that fails to parse is quoted in the error. Each test plants a canary on
 * the host, outside the tenant, and checks that it reaches no bundle, no error and no log.
 */
const CANARY = `CANARY-${randomBytes(8).toString('hex')}`;
const host = mkdtempSync(path.join(os.tmpdir(), 'tessera-hostile-build-'));
/** The host folder as tenant code would name it: relative to the folder esbuild resolves from (the platform's working directory). */
const rel = path.relative(process.cwd(), host);

beforeAll(() => {
  writeFileSync(path.join(host, 'secret.key'), `${CANARY}\n`);
  writeFileSync(path.join(host, 'secret.txt'), `${CANARY}\n`);
  writeFileSync(path.join(host, 'secret.json'), JSON.stringify({ canary: CANARY }));
  writeFileSync(path.join(host, 'secret.js'), `module.exports = ${JSON.stringify(CANARY)};\n`);
  writeFileSync(path.join(host, 'secret.css'), `.x { content: "${CANARY}"; }\n`);
  writeFileSync(path.join(host, 'broken.js'), `${CANARY} is not ( JavaScript\n`);
  expect(rel.startsWith('../')).toBe(true);
});
afterAll(() => rmSync(host, { recursive: true, force: true }));

/** Runs a build that may fail; the canary must be nowhere in what comes back. */
async function contained(run: Promise<unknown>): Promise<TesseraError | null> {
  const outcome = await run.then(
    (value) => ({ value, error: null }),
    (error: unknown) => ({ value: null, error }),
  );
  expect(JSON.stringify(outcome.value ?? '')).not.toContain(CANARY);
  if (outcome.error === null) return null;
  if (!(outcome.error instanceof TesseraError)) throw outcome.error;
  expect(outcome.error.message).not.toContain(CANARY);
  expect(JSON.stringify(outcome.error.details ?? {})).not.toContain(CANARY);
  return outcome.error;
}

/** Every form in which esbuild expands a module name into a glob, and the computed forms beside them. */
const computedForms = (): [string, string][] => [
  ['a template literal in import()', `export default async (x) => (await import(\`${rel}/\${x}\`)).default;`],
  ['a template literal in import() read as text', `export default async (x) => (await import(\`${rel}/\${x}\`, { with: { type: 'text' } })).default;`],
  ['a concatenation in import() read as JSON', `export default async (x) => (await import('${rel}/' + x, { with: { type: 'json' } })).default;`],
  ['import(a + b)', `const a = '${rel}/';\nexport default async (b) => import(a + b);`],
  ['require with a concatenation', `module.exports = (x) => require('${rel}/' + x);`],
  ['require with a template literal', `module.exports = (x) => require(\`${rel}/\${x}.js\`);`],
  ['require(x) of a variable', `const p = '${rel}/secret.js';\nmodule.exports = () => require(p);`],
  ['require.resolve with a concatenation', `module.exports = (x) => require.resolve('${rel}/' + x);`],
  ['a parenthesised require', `module.exports = (x) => (require)('${rel}/' + x);`],
  ['a comment before the parenthesis', `module.exports = (x) => require /* here */ ('${rel}/' + x);`],
  ['an escaped identifier', `module.exports = (x) => requ\\u0069re('${rel}/' + x);`],
  ['import.meta.glob', `export const all = import.meta.glob('${rel}/*');`],
  ['a nested call', `export default async (x) => [await import(String('${rel}/' + x))];`],
];

describe('hostile builds: tenant code names modules by string literals only', () => {
  it.each(computedForms())('a function with %s is a COMPILE_ERROR that reads nothing', async (_label, code) => {
    const err = await contained(buildFunction({ name: 'leak', code }));
    expect(err?.code).toBe('COMPILE_ERROR');
    expect(err!.message).toContain(LITERAL_IMPORTS_MESSAGE);
    expect(err!.message).toMatch(/functions\/leak\.js:\d+:\d+: imports must name a module/);
  });

  it('a TypeScript function that casts require is refused too', async () => {
    const err = await contained(
      buildFunction({ name: 'leak', code: `const load = (x: string): unknown => (require as any)(\`${rel}/\${x}\`);\nexport default load;` }),
    );
    expect(err?.code).toBe('COMPILE_ERROR');
    expect(err!.message).toContain('functions/leak.ts:1:');
    expect(err!.message).toContain(LITERAL_IMPORTS_MESSAGE);
  });

  it.each(computedForms())('a component with %s is a COMPILE_ERROR, in the browser build and the server render', async (_label, body) => {
    const code = `${body.replace('module.exports =', 'export const load =').replace('export default', 'export const load =')}\nexport default function Leak() { return <p>leak</p>; }\n`;
    for (const run of [buildComponent({ name: 'Leak', code }), buildComponentForServer({ name: 'Leak', code })]) {
      const err = await contained(run);
      expect(err?.code).toBe('COMPILE_ERROR');
      expect(err!.message).toContain(`frontend/Leak.tsx:`);
      expect(err!.message).toContain(LITERAL_IMPORTS_MESSAGE);
    }
  });

  it('names the file, line and column of each computed name', async () => {
    const err = await contained(
      buildFunction({ name: 'where', code: `const a = 1;\nmodule.exports = (x) => require('./' + x);\nmodule.exports.b = (y) => import(y);\n` }),
    );
    expect(err!.details).toMatchObject({ file: 'functions/where.js', line: 2, column: 33 });
    expect(err!.message).toContain('functions/where.js:2:33: imports must name a module by a string literal');
    expect(err!.message).toContain('functions/where.js:3:34: imports must name a module by a string literal');
  });

  it.each(['text', 'json', 'file', 'dataurl', 'binary', 'base64', 'copy', 'bytes', 'css'])(
    'a literal import of a host file with { type: %j } reads nothing',
    async (type) => {
      for (const file of ['secret.key', 'secret.json', 'secret.txt', 'secret.css']) {
        const err = await contained(
          buildFunction({
            name: 'leak',
            code: `import s from '${rel}/${file}' with { type: '${type}' };\nexport default async () => ({ status: 200, body: s });\n`,
          }),
        );
        expect(err?.code).toBe('COMPILE_ERROR');
        const component = await contained(
          buildComponent({
            name: 'Leak',
            code: `import s from '${rel}/${file}' with { type: '${type}' };\nexport default function Leak() { return <p>{String(s)}</p>; }\n`,
          }),
        );
        expect(component?.code).toBe('COMPILE_ERROR');
      }
    },
  );

  it('refuses import attributes other than json, even on a package name', async () => {
    const err = await contained(
      buildFunction({
        name: 'attr',
        code: `import s from 'some-package/README.md' with { type: 'text' };\nexport default async () => ({ status: 200, body: s });\n`,
      }),
    );
    expect(err!.message).toContain("functions/attr.js:1:53: import attributes other than { type: 'json' } are not supported: 'text'");
    const dynamic = await contained(
      buildFunction({ name: 'attr', code: `export default async () => ({ status: 200, body: await import('x', { with: { type: 'text' } }) });\n` }),
    );
    expect(dynamic!.message).toContain("not supported: 'text'");
  });

  it('still builds every literal form: strings, templates without substitutions, static imports', async () => {
    const fn = await buildFunction({
      name: 'fine',
      code: `import { createHash } from 'node:crypto';\nconst path = require(\`node:path\`);\nexport default async () => ({ status: 200, body: [createHash('sha1').update('x').digest('hex'), path.sep, typeof (await import('node:os')).cpus] });\n`,
    });
    expect(fn.code).toContain('node:path');
    const component = await buildComponent({
      name: 'Fine',
      code: `import { useState } from 'react';\n// the word require( in a comment, and import ( too\nexport const lazy = () => import('react');\nexport const url = import.meta.url;\nexport default function Fine() { const [n] = useState("require('" + 'x'); return <p>{n}</p>; }\n`,
    });
    expect(component.code).toContain('useState');
  });

  it('a computed name into /dev fails at once instead of blocking on a device', async () => {
    const started = Date.now();
    const err = await contained(buildFunction({ name: 'dev', code: `module.exports = (x) => require('${path.relative(process.cwd(), '/dev')}/' + x);` }));
    expect(err?.code).toBe('COMPILE_ERROR');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('hostile builds: the import plugin refuses every read outside the packages (if a computed name got past the check)', () => {
  // esbuild straight with the platform's plugin, as if the literal check had missed a form.
  const bundle = (contents: string, absWorkingDir = process.cwd()) =>
    build({
      stdin: { contents, loader: 'js', sourcefile: 'functions/leak.js' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      logLevel: 'silent',
      metafile: true,
      tsconfigRaw: {},
      absWorkingDir,
      plugins: [tenantImportsPlugin({ kind: 'function' })],
    });

  it('esbuild alone reads the host file through a glob (the threat this suite is about)', async () => {
    const result = await build({
      stdin: { contents: `module.exports = (x) => import(\`${rel}/\${x}\`, { with: { type: 'text' } });`, loader: 'js', sourcefile: 'f.js' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      logLevel: 'silent',
    });
    expect(result.outputFiles[0]!.text).toContain(CANARY);
  });

  it.each(computedForms().filter(([label]) => !label.includes('meta')))(
    '%s: refused before the file is opened, or left to run time unread',
    async (_label, code) => {
      const outcome = await bundle(code).then(
        (result) => ({ result, err: null }),
        (err: unknown) => ({ result: null, err }),
      );
      if (outcome.result) {
        // esbuild globs only a name with a literal start ('./x/' + y); the rest stays a call at run time, in the sandbox.
        expect(outcome.result.outputFiles[0]!.text).not.toContain(CANARY);
        expect(Object.keys(outcome.result.metafile.inputs)).toEqual(['functions/leak.js']);
        return;
      }
      const wrapped = compileError('functions/leak.js', confinedMessagesOf(outcome.err, 'functions/leak.js', null));
      expect(wrapped.message).toContain("not part of the app's npm packages");
      expect(wrapped.message).not.toContain(CANARY);
      expect(wrapped.message).not.toContain('secret.');
      expect(JSON.stringify(messagesOf(outcome.err))).not.toContain(CANARY);
    },
  );

  it('a glob over /dev is refused file by file without reading a device', async () => {
    const started = Date.now();
    await expect(bundle(`module.exports = (x) => require('${path.relative(process.cwd(), '/dev')}/' + x);`)).rejects.toThrow(
      /not part of the app's npm packages/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('hostile builds: error messages never quote a file outside the tenant', () => {
  it('a message located in a host file loses its text, path and line', async () => {
    // esbuild without the plugin: it parses broken.js and quotes its line in the error.
    const err = await build({
      stdin: { contents: `module.exports = (x) => require('${rel}/' + x);`, loader: 'js', sourcefile: 'functions/leak.js' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      logLevel: 'silent',
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(JSON.stringify(messagesOf(err))).toContain(CANARY);
    const confined = compileError('functions/leak.js', confinedMessagesOf(err, 'functions/leak.js', null));
    expect(confined.message).not.toContain(CANARY);
    expect(confined.message).not.toContain('secret.');
    expect(confined.message).not.toContain('broken.js');
    expect(JSON.stringify(confined.details)).not.toContain(CANARY);
    expect(confined.message).toContain("a file outside the app's source and npm packages");
  });

  it("keeps the tenant's own line in its messages", async () => {
    const err = await contained(buildFunction({ name: 'typo', code: `module.exports = async () => {\n  return { status: 200, body: missing( };\n};\n` }));
    expect(err!.message).toContain('functions/typo.js:2:');
    expect(err!.message).toContain('missing(');
  });
});

describe('hostile builds through the tools API', () => {
  let platform: TestPlatform;
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  let dataRel: string;

  beforeAll(async () => {
    platform = await createTestPlatform();
    writeFileSync(path.join(platform.dataDir, 'secret.key'), `${CANARY}\n`);
    dataRel = path.relative(process.cwd(), platform.dataDir);
    await platform.platform.tenants.create('attacker');
  }, 120_000);
  afterAll(() => platform?.close());

  it.each([
    [
      'createBackendFunction',
      { name: 'steal', code: 'module.exports = async () => ({ status: 200, body: await import(`DATA_DIR/secret.${"key"}`, { with: { type: "text" } }) });' },
    ],
    ['createBackendFunction', { name: 'steal', code: 'module.exports = async (x) => ({ status: 200, body: require("DATA_DIR/" + x) });' }],
    [
      'createFrontendComponent',
      {
        name: 'Steal',
        code: 'const s = (x: string) => import(`DATA_DIR/${x}`, { with: { type: "text" } });\nexport default function Steal() { return <p>{String(s)}</p>; }\n',
      },
    ],
  ] as const)('%s with a computed import of DATA_DIR/secret.key: COMPILE_ERROR, nothing committed, nothing logged', async (tool, template) => {
    const args = { ...template, code: template.code.replaceAll('DATA_DIR', dataRel) };
    const tenant = await platform.platform.tenants.get('attacker');
    const head = tenant.state.head;
    const err = await contained(runTool({ ...platform.platform, logger }, 'attacker', tool, args));
    expect(err?.code).toBe('COMPILE_ERROR');
    expect(err!.message).toContain(LITERAL_IMPORTS_MESSAGE);
    expect(tenant.state.head).toBe(head);
    expect(lines.join('\n')).not.toContain(CANARY);
  });
});
