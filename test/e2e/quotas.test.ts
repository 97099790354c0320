import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { startTestRegistry, type TestRegistry } from '../support/npm-registry.ts';
import { createTestPlatform, type TestPlatform } from '../support/platform.ts';

/**
 * Each app's disk quotas through the tools, as the model meets them: a call that would pass one is
 * refused with QUOTA_EXCEEDED naming the limit, and the app is exactly as it was.
 */
describe("an app's repository and packages are bounded", () => {
  let test: TestPlatform;
  let registry: TestRegistry;
  let app: ReturnType<typeof createApp>;
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await app.request(route, {
      method,
      headers: { host: 'localhost:3000', authorization: `Bearer ${test.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const tool = (tenant: string, name: string, args: unknown) => call('POST', `/api/tenants/${tenant}/tools/${name}`, args);
  /** What a refused call must leave as it was. */
  const snapshot = async (tenant: string) => ({
    commits: (await call('GET', `/api/tenants/${tenant}/commits`)).json.commits,
    functions: (await call('GET', `/api/tenants/${tenant}/functions`)).json.functions.map((f: { name: string }) => f.name),
    packages: (await call('GET', `/api/tenants/${tenant}/packages`)).json.packages,
    files: (await call('GET', `/api/tenants/${tenant}/files`)).json.files,
  });

  beforeAll(async () => {
    const bulky = (name: string) => ({
      name,
      version: '1.0.0',
      files: { 'index.js': `module.exports = ${JSON.stringify(name.repeat(30_000 / name.length))};\n` },
    });
    registry = await startTestRegistry([bulky('bulky-a'), bulky('bulky-b'), bulky('bulky-c')]);
    test = await createTestPlatform({
      npm_config_registry: registry.url,
      APP_REPO_MAX_BYTES: '600000',
      APP_PACKAGES_MAX_BYTES: String(70_000),
      FUNCTION_TIMEOUT_MS: '5000',
    });
    app = createApp(test.platform);
    expect((await call('POST', '/api/tenants', { id: 'small' })).status).toBe(201);
  });
  afterAll(async () => {
    await test?.close();
    await registry?.close();
  });

  const fnCode = (padding: number) => `// ${'x'.repeat(padding)}\nmodule.exports = async () => ({ status: 200, body: { ok: true } });\n`;

  it('refuses a tool call that would take the repository past APP_REPO_MAX_BYTES, changing nothing', async () => {
    expect((await tool('small', 'createBackendFunction', { name: 'first', code: fnCode(150_000) })).status).toBe(200);
    const before = await snapshot('small');
    const refused = await tool('small', 'createBackendFunction', { name: 'second', code: fnCode(250_000) });
    expect(refused.status).toBe(413);
    expect(refused.json.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'APP_REPO_MAX_BYTES', limit: 600_000 } });
    expect(refused.json.error.message).toContain('APP_REPO_MAX_BYTES');
    expect(await snapshot('small')).toEqual(before);
    expect((await call('GET', '/api/tenants/small/files?path=functions/second.js')).status).toBe(404);
    // A change that fits still goes through.
    expect((await tool('small', 'createBackendFunction', { name: 'second', code: fnCode(10) })).status).toBe(200);
  });

  it('refuses a tool call whose packages would pass APP_PACKAGES_MAX_BYTES, changing nothing', async () => {
    expect((await call('POST', '/api/tenants', { id: 'pkgs' })).status).toBe(201);
    const uses = (names: string[]) =>
      `${names.map((n, i) => `const p${i} = require('${n}');`).join('\n')}\nmodule.exports = async () => ({ status: 200, body: { n: ${names.map((_n, i) => `p${i}.length`).join(' + ')} } });\n`;
    const fits = await tool('pkgs', 'createBackendFunction', { name: 'two', code: uses(['bulky-a', 'bulky-b']) });
    expect(fits.status, JSON.stringify(fits.json)).toBe(200);
    const before = await snapshot('pkgs');
    const refused = await tool('pkgs', 'createBackendFunction', { name: 'three', code: uses(['bulky-c']) });
    expect(refused.status).toBe(413);
    expect(refused.json.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'APP_PACKAGES_MAX_BYTES', limit: 70_000 } });
    expect(await snapshot('pkgs')).toEqual(before);
    expect(registry.count('tarball', 'bulky-c@1.0.0')).toBe(0);
  });
});
