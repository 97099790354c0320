import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/tools/index.ts';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/** Against the real npm registry (the one npm is configured with), which this machine reaches. */
describe('npm packages from the real registry', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({
      npm_config_registry: process.env.npm_config_registry ?? 'https://registry.npmjs.org/',
      PACKAGE_REGISTRY_TIMEOUT_MS: '60000',
    });
    await server.platform.tenants.create('real');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('builds a component using date-fns and a function using zod, and both answer', async () => {
    const component = (await runTool(server.platform, 'real', 'createFrontendComponent', {
      name: 'Today',
      code: `import { format } from 'date-fns';\nexport default function Today() { return <p>{format(new Date(2024, 0, 31), 'yyyy-MM-dd EEEE')}</p>; }\n`,
      dependencies: { 'date-fns': '^4' },
    })) as { packages: Record<string, string>; verification: { rendered: boolean } };
    expect(component.packages['date-fns']).toMatch(/^4\.\d+\.\d+$/);
    expect(component.verification.rendered).toBe(true);
    const fn = (await runTool(server.platform, 'real', 'createBackendFunction', {
      name: 'check',
      code: `const { z } = require('zod');\nconst Note = z.object({ text: z.string().min(1) });\nmodule.exports = async (context) => {\n  const parsed = Note.safeParse(context.request.body);\n  return parsed.success ? { status: 200, body: { ok: true, text: parsed.data.text } } : { status: 400, body: { ok: false, issues: parsed.error.issues.length } };\n};\n`,
    })) as { packages: Record<string, string> };
    expect(Object.keys(fn.packages)).toEqual(['zod']);
    await runTool(server.platform, 'real', 'updateUILayout', {
      blueprint: { version: 1, title: 'Real', routes: [{ path: '/', root: { component: 'Today' } }] },
    });

    const host = `draft.real.localhost:${server.server.port}`;
    const good = await request(`${server.url}/api/check`, { method: 'POST', host, body: JSON.stringify({ text: 'hi' }) });
    expect(good.status).toBe(200);
    expect(good.json()).toEqual({ ok: true, text: 'hi' });
    const bad = await request(`${server.url}/api/check`, { method: 'POST', host, body: JSON.stringify({ text: '' }) });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ ok: false, issues: 1 });

    const page = await request(`${server.url}/`, { host });
    const imports = JSON.parse(/<script type="importmap">(.*?)<\/script>/.exec(page.text)![1]!).imports as Record<string, string>;
    const dateFns = await request(`${server.url}${imports['date-fns']}`, { host });
    expect(dateFns.status).toBe(200);
    // Only what the app's components take from date-fns (format and what it needs), not all of it.
    expect(dateFns.text).toMatch(/export\s*\{[^}]*as format/);
    expect(dateFns.text.length).toBeLessThan(60_000);
    const tenant = await server.platform.tenants.get('real');
    const lock = JSON.parse((await tenant.workspace.read('package-lock.json'))!);
    expect(lock.packages['node_modules/date-fns'].integrity).toMatch(/^sha512-/);
    expect(lock.packages['node_modules/zod'].version).toMatch(/^\d+\.\d+\.\d+$/);
  }, 120_000);
});
