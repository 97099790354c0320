import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tesseraFailure } from '../../test/support/errors.ts';
import { buildComponent, buildComponentForServer } from './index.ts';

const failure = tesseraFailure;

const counter = `import { useState } from 'react';
interface Props { start?: number }
export default function Counter({ start = 0 }: Props) {
  const [n, setN] = useState<number>(start);
  return <button onClick={() => setN(n + 1)}>{n}</button>;
}
`;

describe('buildComponent', () => {
  it('builds a minified, content-addressed ES module with React left to the import map', async () => {
    const built = await buildComponent({ name: 'Counter', code: counter });
    expect(built.name).toBe('Counter');
    expect(built.hash).toBe(createHash('sha256').update(built.code).digest('hex'));
    expect(built.fileName).toBe(`Counter.${built.hash.slice(0, 12)}.js`);
    expect(built.bytes).toBe(Buffer.byteLength(built.code));
    expect(built.code).toMatch(/from"react"/);
    expect(built.code).toMatch(/from"react\/jsx-runtime"/);
    expect(built.code).toMatch(/export\{\w+ as default\}/);
    expect(built.bytes).toBeLessThan(600);
  });

  it('is deterministic: the same source gives the same bundle, another source another hash', async () => {
    const [a, b] = await Promise.all([buildComponent({ name: 'Counter', code: counter }), buildComponent({ name: 'Counter', code: counter })]);
    expect(b.code).toBe(a.code);
    expect(b.fileName).toBe(a.fileName);
    const other = await buildComponent({ name: 'Counter', code: counter.replace('setN(n + 1)', 'setN(n + 2)') });
    expect(other.hash).not.toBe(a.hash);
  });

  it('reports a syntax error at its 1-based line and column, in the message and the details', async () => {
    const code = 'export default function Bad() {\n  const x = 1;\n  const y = ;\n  return <p>{x}</p>;\n}\n';
    const err = await failure(buildComponent({ name: 'Bad', code }));
    expect(err.code).toBe('COMPILE_ERROR');
    expect(err.status).toBe(400);
    expect(err.message).toContain('frontend/Bad.tsx:3:13: Unexpected ";"');
    expect(err.message).toContain('const y = ;');
    expect(err.details).toMatchObject({ file: 'frontend/Bad.tsx', line: 3, column: 13, lineText: '  const y = ;' });
    expect(err.details?.problems?.[0]).toMatchObject({ line: 3, column: 13, message: 'Unexpected ";"' });
  });

  it('locates an unclosed JSX tag', async () => {
    const err = await failure(buildComponent({ name: 'Broken', code: 'export default function Broken() {\n  return <div>\n    <span>\n  </div>;\n}' }));
    expect(err.details).toMatchObject({ file: 'frontend/Broken.tsx', line: 4 });
    expect(err.message).toMatch(/frontend\/Broken\.tsx:4:\d+: /);
  });

  it('requires a default export', async () => {
    const err = await failure(buildComponent({ name: 'Named', code: 'export function Named() { return null }' }));
    expect(err.code).toBe('COMPILE_ERROR');
    expect(err.message).toBe('frontend/Named.tsx has no default export: export the component with `export default function Named() {...}`.');
  });

  it('leaves npm packages to the import map and refuses what is not a package, located', async () => {
    const built = await buildComponent({
      name: 'Dates',
      code: "import { useState } from 'react';\nimport dayjs from 'dayjs';\nexport default () => <p>{dayjs().format()}</p>;",
    });
    expect(built.packages).toEqual(['dayjs']);
    expect(built.code).toMatch(/from\s*"dayjs"/);
    const server = await failure(
      buildComponentForServer({
        name: 'Dates',
        code: "import { useState } from 'react';\nimport dayjs from 'dayjs';\nexport default () => <p>{dayjs().format()}</p>;",
      }),
    );
    expect(server.message).toContain("frontend/Dates.tsx:2:19: npm packages are not available to components here: 'dayjs'");
    expect(server.details).toMatchObject({ line: 2, column: 19 });
    expect((await failure(buildComponent({ name: 'P', code: "import x from 'react-dom/server';\nexport default () => x;" }))).message).toContain(
      "'react-dom/server' is not available: the platform provides",
    );
    expect((await failure(buildComponent({ name: 'P', code: "import x from 'https://esm.sh/lodash';\nexport default () => x;" }))).message).toContain(
      'not a valid npm package name',
    );
  });

  it('leaves the UI kit to the import map, like React', async () => {
    const built = await buildComponent({
      name: 'Kit',
      code: 'import { Button } from \'@tessera/ui\';\nexport default function Kit() { return <Button variant="outline">Go</Button>; }',
    });
    expect(built.code).toMatch(/from"@tessera\/ui"/);
    expect(built.bytes).toBeLessThan(400);
    const server = await buildComponentForServer({ name: 'Kit', code: "import { Button } from '@tessera/ui';\nexport default () => <Button>Go</Button>;" });
    expect(server).toContain('require("@tessera/ui")');
  });

  it('refuses relative and absolute imports: components are single files', async () => {
    const relative = await failure(buildComponent({ name: 'Page', code: "import Other from './Other';\nexport default () => <Other />;" }));
    expect(relative.message).toContain("frontend/Page.tsx:1:19: components are single files: import of './Other'");
    expect((await failure(buildComponent({ name: 'Up', code: "import e from '../src/errors.ts';\nexport default () => e;" }))).message).toContain(
      "import of '../src/errors.ts'",
    );
    expect((await failure(buildComponent({ name: 'Abs', code: "import p from '/work/main/package.json';\nexport default () => p;" }))).message).toContain(
      'single files',
    );
  });

  it("never reaches the platform's own node_modules, whatever the import form", async () => {
    // zod is installed for the platform; a component bundle names it only as a bare import, which
    // the app's import map resolves to the app's own copy, or to nothing.
    for (const code of ["import { z } from 'zod'; export default () => z;", "export default () => import('zod');"]) {
      const built = await buildComponent({ name: 'Sneaky', code });
      expect(built.packages).toEqual(['zod']);
      expect(built.code.length).toBeLessThan(200);
    }
    const zod = (await failure(buildComponentForServer({ name: 'Sneaky', code: "import { z } from 'zod'; export default () => z;" }))).message;
    expect(zod).toContain("not available to components here: 'zod'");
    // What the model needs to correct itself: how packages come in, and what else there is.
    expect(zod).toContain('npm packages are resolved by createFrontendComponent');
    expect(zod).toContain('{"zod": "^1"}');
    expect(zod).toContain("'@tessera/ui' (the UI kit");
    const db = (await failure(buildComponentForServer({ name: 'Db', code: "import db from '@tessera/db'; export default () => db;" }))).message;
    expect(db).toContain("'@tessera/db' is not available to components (it is for backend functions). Components can import react");
    expect((await failure(buildComponent({ name: 'Req', code: "const z = require('zod'); export default () => z;" }))).message).toContain('instead of require');
    expect((await failure(buildComponent({ name: 'Req', code: "const React = require('react'); export default () => React;" }))).message).toContain(
      'instead of require',
    );
  });

  it('checks the name, which becomes a file name and a URL', async () => {
    expect((await failure(buildComponent({ name: '../evil', code: 'export default () => null' }))).code).toBe('INVALID_NAME');
  });

  it('builds the same component as CommonJS for a server render', async () => {
    const cjs = await buildComponentForServer({ name: 'Counter', code: counter });
    expect(cjs).toContain('require("react")');
    expect(cjs).toContain('module.exports');
  });
});
