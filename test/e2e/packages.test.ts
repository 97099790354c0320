import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/log.ts';
import { createTenantManager } from '../../src/tenants/index.ts';
import { runTool } from '../../src/tools/index.ts';
import { createRelease } from '../../src/releases/index.ts';
import { tesseraFailure } from '../support/errors.ts';
import { request } from '../support/http.ts';
import { fixturePackages } from '../support/npm-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../support/npm-registry.ts';
import { startTestServer } from '../support/platform.ts';

describe('npm packages through the tools (local registry)', () => {
  let registry: TestRegistry;
  let marker: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const call = (tenant: string, tool: string, args: unknown): Promise<any> => runTool(server.platform, tenant, tool, args);

  beforeAll(async () => {
    const fixtures = fixturePackages();
    marker = fixtures.marker;
    registry = await startTestRegistry(fixtures.packages);
    server = await startTestServer({ npm_config_registry: registry.url, PACKAGE_REGISTRY_TIMEOUT_MS: '1000', PACKAGE_MAX_UNPACKED_BYTES: '200000' });
    await server.platform.tenants.create('pkgs');
    await server.platform.tenants.create('other');
  });
  afterAll(async () => {
    await server?.close();
    await registry?.close();
  });

  const Clock = `import { fmt } from 'tiny-format';\nexport default function Clock() { return <p>{fmt(5)}</p>; }\n`;

  it('pins the resolved versions in package.json and package-lock.json, in the same commit as the component', async () => {
    const tenant = await server.platform.tenants.get('pkgs');
    const before = tenant.state.head;
    const result = await call('pkgs', 'createFrontendComponent', { name: 'Clock', code: Clock, dependencies: { 'tiny-format': '^1' } });
    expect(result.packages).toEqual({ 'tiny-format': '1.1.0' });
    const log = await tenant.workspace.log(2);
    expect(log[1]!.id).toBe(before);
    expect(log[0]!.id).toBe(result.commit);
    const files = await tenant.workspace.filesAt(result.commit);
    expect([...files.keys()].sort()).toEqual(['README.md', 'blueprint.json', 'frontend/Clock.tsx', 'package-lock.json', 'package.json']);
    expect(await tenant.workspace.readAt(before, 'package.json')).toBeNull();
    expect(JSON.parse((await tenant.workspace.readAt(result.commit, 'package.json'))!).dependencies).toEqual({ 'tiny-format': '1.1.0' });
    const lock = JSON.parse((await tenant.workspace.readAt(result.commit, 'package-lock.json'))!);
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages['node_modules/tiny-format']).toMatchObject({
      version: '1.1.0',
      integrity: expect.stringMatching(/^sha512-/),
      resolved: `${registry.url}tiny-format/-/tiny-format-1.1.0.tgz`,
    });
    // Replacing the component without the range keeps the pin.
    const again = await call('pkgs', 'createFrontendComponent', { name: 'Clock', code: Clock.replace('fmt(5)', 'fmt(6)') });
    expect(again.packages).toEqual({ 'tiny-format': '1.1.0' });
  });

  it('serves the package once through the import map and bundles it into a function', async () => {
    await call('pkgs', 'createBackendFunction', {
      name: 'greet',
      code: `const { greet } = require('cjs-greet');\nconst { fmt } = require('tiny-format');\nmodule.exports = async () => ({ status: 200, body: { text: greet('pkg') + ' ' + fmt(1) } });\n`,
    });
    await call('pkgs', 'updateUILayout', { blueprint: { version: 1, title: 'Pkgs', routes: [{ path: '/', root: { component: 'Clock' } }] } });
    const tenant = await server.platform.tenants.get('pkgs');
    const lock = JSON.parse((await tenant.workspace.read('package-lock.json'))!);
    expect(Object.keys(lock.packages).sort()).toEqual(['', 'node_modules/cjs-greet', 'node_modules/tiny-format']);
    const host = `draft.pkgs.localhost:${server.server.port}`;
    const answer = await request(`${server.url}/api/greet`, { host });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ text: 'hello pkg v1.1:1' });
    const page = await request(`${server.url}/`, { host });
    const importMap = JSON.parse(/<script type="importmap">(.*?)<\/script>/.exec(page.text)![1]!).imports as Record<string, string>;
    expect(importMap['tiny-format']).toMatch(/^\/_tessera\/pkg\/tiny-format-[A-Z0-9]+\.js$/);
    expect(importMap.react).toMatch(/^\/_tessera\/assets\//);
    const module = await request(`${server.url}${importMap['tiny-format']}`, { host });
    expect(module.status).toBe(200);
    expect(module.headers['cache-control']).toContain('immutable');
    expect(module.text).toContain('v1.1:');
  });

  it('lets a second app reuse the stored copy without downloading it again', async () => {
    const downloads = registry.count('tarball', 'tiny-format@1.1.0');
    expect(downloads).toBe(1);
    await call('other', 'createFrontendComponent', { name: 'Clock', code: Clock, dependencies: { 'tiny-format': '1.1.0' } });
    expect(registry.count('tarball', 'tiny-format@1.1.0')).toBe(1);
  });

  it('rebuilds byte-identical artifacts from the lockfile, and serves a release of them live', async () => {
    const tenant = await server.platform.tenants.get('pkgs');
    const text = await server.platform.tenants.withLock('pkgs', (t) =>
      createRelease(t, server.platform.registry, server.platform.artifacts, { version: '1.0.0' }, server.platform.styles),
    );
    const snapshot = JSON.parse(text);
    expect(Object.keys(snapshot.packages.imports)).toEqual(['tiny-format']);
    await server.platform.deployer.deploy(tenant, '1.0.0', 'test');
    const host = `pkgs.localhost:${server.server.port}`;
    const page = await request(`${server.url}/`, { host });
    const url = JSON.parse(/<script type="importmap">(.*?)<\/script>/.exec(page.text)![1]!).imports['tiny-format'];
    expect((await request(`${server.url}${url}`, { host })).status).toBe(200);
    // A fresh load of the app from its repository (as after a restart) builds the same bytes.
    const reloaded = await createTenantManager({
      dataDir: server.dataDir,
      dbPool: server.platform.dbPool,
      runtime: server.platform.runtime,
      registry: server.platform.registry,
      logger: createSilentLogger(),
      packages: server.platform.packages,
    }).get('pkgs');
    expect(reloaded.state.functions.get('greet')!.hash).toBe(tenant.state.functions.get('greet')!.hash);
    expect([...reloaded.state.packageAssets.assets.values()].map((a) => a.hash)).toEqual([...tenant.state.packageAssets.assets.values()].map((a) => a.hash));
    expect(reloaded.state.packageAssets.imports).toEqual(tenant.state.packageAssets.imports);
  });

  const refusals: Array<[string, string, Record<string, unknown>, string]> = [
    [
      'an unknown package',
      'PACKAGE_NOT_FOUND',
      { code: `import x from 'no-such-package-anywhere';\nexport default function Broken() { return <p>{String(x)}</p>; }\n` },
      'no-such-package-anywhere',
    ],
    ['an unknown version', 'PACKAGE_VERSION_NOT_FOUND', { code: Clock.replace(/Clock/g, 'Broken'), dependencies: { 'tiny-format': '^7' } }, 'tiny-format'],
    [
      'a package over the size limit',
      'PACKAGE_TOO_LARGE',
      { code: `import { big } from 'big-pkg';\nexport default function Broken() { return <p>{big.length}</p>; }\n` },
      'big-pkg@1.0.0',
    ],
    [
      'a package whose browser build needs Node built-ins',
      'PACKAGE_NODE_BUILTINS',
      { code: `import { read } from 'node-only';\nexport default function Broken() { return <p>{typeof read}</p>; }\n` },
      'node-only@1.0.0',
    ],
    [
      'a package that needs a native build',
      'PACKAGE_NATIVE_BUILD',
      { code: `import n from 'native-pkg';\nexport default function Broken() { return <p>{String(n)}</p>; }\n` },
      'native-pkg@1.0.0',
    ],
    [
      'a tarball that fails its integrity check',
      'PACKAGE_INTEGRITY_MISMATCH',
      { code: `import { c } from 'corrupt-me';\nexport default function Broken() { return <p>{c}</p>; }\n` },
      'corrupt-me@1.0.0',
    ],
    [
      'a registry that does not answer',
      'REGISTRY_UNAVAILABLE',
      { code: `import { s } from 'slow-package';\nexport default function Broken() { return <p>{s}</p>; }\n` },
      'slow-package',
    ],
  ];

  it.each(refusals)('refuses %s, naming it, and changes nothing', async (_what, code, args, named) => {
    await registry.publish({
      name: 'corrupt-me',
      version: '1.0.0',
      manifest: { type: 'module', main: 'index.js' },
      files: { 'index.js': "export const c = 'c';\n" },
    });
    registry.corrupt('corrupt-me@1.0.0');
    registry.hang('slow-package');
    const tenant = await server.platform.tenants.get('pkgs');
    const head = tenant.state.head;
    const lock = await tenant.workspace.read('package-lock.json');
    const assets = tenant.state.packageAssets;
    const err = await tesseraFailure(call('pkgs', 'createFrontendComponent', { name: 'Broken', ...args }));
    expect(err.code).toBe(code);
    expect(err.message).toContain(named);
    expect(tenant.state.head).toBe(head);
    expect(await tenant.workspace.head()).toBe(head);
    expect(await tenant.workspace.read('package-lock.json')).toBe(lock);
    expect(tenant.state.components.has('Broken')).toBe(false);
    expect(tenant.state.packageAssets).toBe(assets);
    expect(existsSync(marker)).toBe(false);
  });

  it('never runs install scripts: a package with a postinstall script is used without it', async () => {
    const result = await call('pkgs', 'createBackendFunction', {
      name: 'scripted',
      code: `import { scripted } from 'postinstall-pkg';\nexport default async function () { return { status: 200, body: scripted }; }\n`,
    });
    expect(result.packages).toEqual({ 'postinstall-pkg': '1.0.0' });
    const answer = await request(`${server.url}/api/scripted`, { host: `draft.pkgs.localhost:${server.server.port}` });
    expect(answer.text).toBe('postinstall-pkg loaded');
    const tenant = await server.platform.tenants.get('pkgs');
    expect(JSON.parse((await tenant.workspace.read('package-lock.json'))!).packages['node_modules/postinstall-pkg'].hasInstallScript).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });
});
