import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/** `edits: [{ find, replace }]` instead of `code` (DESIGN.md "The agent checks what it built"). */
describe('tools take edits instead of whole code', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const tool = async (name: string, args: unknown) => {
    const res = await request(`${server.url}/api/tenants/edits/tools/${name}`, { method: 'POST', body: JSON.stringify(args) });
    return { status: res.status, json: res.json() };
  };
  const file = async (path: string) => (await request(`${server.url}/api/tenants/edits/files?path=${encodeURIComponent(path)}`)).json().content;
  beforeAll(async () => {
    server = await startTestServer();
    await request(`${server.url}/api/tenants`, { method: 'POST', body: JSON.stringify({ id: 'edits' }) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('applies edits to a component, each find exactly once, and checks the result like whole code', async () => {
    const code = 'export default function Hello() {\n  return <p className="text-sm">Hello</p>;\n}\n';
    expect((await tool('createFrontendComponent', { name: 'Hello', code })).status).toBe(200);
    const edited = await tool('createFrontendComponent', {
      name: 'Hello',
      edits: [
        { find: '>Hello<', replace: '>Hello, world<' },
        { find: 'text-sm', replace: 'text-lg' },
      ],
    });
    expect(edited.status).toBe(200);
    expect(edited.json.result.replaced).toBe(true);
    expect(await file('frontend/Hello.tsx')).toBe('export default function Hello() {\n  return <p className="text-lg">Hello, world</p>;\n}\n');

    const missing = await tool('createFrontendComponent', { name: 'Hello', edits: [{ find: 'Goodbye', replace: 'x' }] });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe('INVALID_ARGUMENTS');
    expect(missing.json.error.message).toContain('edits[0]: find "Goodbye" occurs nowhere in frontend/Hello.tsx');

    const twice = await tool('createFrontendComponent', {
      name: 'Hello',
      edits: [
        { find: 'text-lg', replace: 'text-xl' },
        { find: 'l', replace: 'L' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.json.error.message).toContain('edits[1]: find "l" occurs more than once in frontend/Hello.tsx (after the earlier edits)');

    // The edited result must compile, as whole code must.
    const broken = await tool('createFrontendComponent', { name: 'Hello', edits: [{ find: '</p>;', replace: '</p' }] });
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe('COMPILE_ERROR');
    // None of the refused calls changed the file.
    expect(await file('frontend/Hello.tsx')).toContain('text-lg');
  });

  it('refuses both code and edits, neither, and edits of a file that does not exist', async () => {
    const both = await tool('createFrontendComponent', { name: 'Hello', code: 'export default () => null', edits: [{ find: 'a', replace: 'b' }] });
    expect(both.status).toBe(400);
    expect(both.json.error.message).toContain('either `code` (the whole file) or `edits`');
    expect((await tool('createFrontendComponent', { name: 'Hello' })).status).toBe(400);
    const absent = await tool('createBackendFunction', { name: 'nothing-yet', edits: [{ find: 'a', replace: 'b' }] });
    expect(absent.status).toBe(400);
    expect(absent.json.error.message).toBe('functions/nothing-yet.js does not exist yet: send its whole `code` instead of `edits`.');
    expect((await tool('createFrontendComponent', { name: 'Hello', edits: [] })).status).toBe(400);
  });

  it('edits a function in place and keeps its access', async () => {
    const code = "module.exports = async () => ({ status: 200, body: { greeting: 'hi' } });\n";
    expect((await tool('createBackendFunction', { name: 'greet', code, access: 'user' })).status).toBe(200);
    const edited = await tool('createBackendFunction', { name: 'greet', edits: [{ find: "'hi'", replace: "'hello'" }] });
    expect(edited.status).toBe(200);
    expect(edited.json.result.access).toBe('user');
    expect(await file('functions/greet.js')).toBe("module.exports = async () => ({ status: 200, body: { greeting: 'hello' } });\n");
  });
});
