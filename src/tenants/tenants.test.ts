import { execFileSync } from 'node:child_process';
import fs, { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../log.ts';
import { openWorkspace } from '../workspace/index.ts';
import { createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { LeasedPlacement } from '../replicas/index.ts';
import { createTenantManager, Tenant } from './index.ts';

let test: TestPlatform;
beforeAll(async () => {
  test = await createTestPlatform();
});
afterAll(() => test.close());

describe('tenant state after a crash', () => {
  it('rebuilds artifacts from the repo and replays a migration the database never committed', async () => {
    const { platform } = test;
    await platform.tenants.create('crashy');
    // As if the platform died between the repo commit and the database commit of migration 1,
    // with a component and a function already committed.
    const repo = openWorkspace(path.join(test.dataDir, 'tenants', 'crashy', 'repo'));
    await repo.commit([{ path: 'migrations/0001_create_table_t.sql', content: 'CREATE TABLE t (x INTEGER);\n' }], 'Migration 1');
    await repo.commit(
      [
        { path: 'frontend/Hello.tsx', content: 'export default () => <p>hi</p>' },
        { path: 'functions/ping.js', content: 'module.exports = async () => ({ status: 200, body: "pong" })' },
      ],
      'Add things',
    );

    const restarted = createTenantManager({
      dataDir: test.dataDir,
      dbPool: platform.dbPool,
      runtime: platform.runtime,
      registry: platform.registry,
      packages: platform.packages,
      logger: createSilentLogger(),
    });
    const tenant = await restarted.get('crashy');
    expect(tenant.state.migrationVersion).toBe(1);
    expect((await tenant.draftDb.describe()).map((t) => t.name)).toEqual(['t']);
    expect([...tenant.state.components.keys()]).toEqual(['Hello']);
    expect([...tenant.state.functions.keys()]).toEqual(['ping']);
  });

  it('loads the last commit, not what a crash left written but uncommitted, and puts the files back', async () => {
    const { platform } = test;
    await platform.tenants.create('halfway');
    const dir = path.join(test.dataDir, 'tenants', 'halfway', 'repo');
    const committed = 'module.exports = async () => ({ status: 200, body: "committed" })';
    await openWorkspace(dir).commit([{ path: 'functions/ping.js', content: committed }], 'Add ping');
    // As if the platform died inside commits: a function rewritten and staged, a migration file
    // written and staged, a component file cut short, none of them committed.
    writeFileSync(path.join(dir, 'functions/ping.js'), 'module.exports = async () => ({ status: 200, body: "never committed" })');
    await git.add({ fs, dir, filepath: 'functions/ping.js' });
    mkdirSync(path.join(dir, 'migrations'));
    writeFileSync(path.join(dir, 'migrations/0001_create_table_t.sql'), 'CREATE TABLE t (x INTEGER);\n');
    await git.add({ fs, dir, filepath: 'migrations/0001_create_table_t.sql' });
    mkdirSync(path.join(dir, 'frontend'));
    writeFileSync(path.join(dir, 'frontend/Cut.tsx'), 'export default () => <p');

    const restarted = createTenantManager({
      dataDir: test.dataDir,
      dbPool: platform.dbPool,
      runtime: platform.runtime,
      registry: platform.registry,
      packages: platform.packages,
      logger: createSilentLogger(),
    });
    const tenant = await restarted.get('halfway');
    expect(tenant.state.functions.get('ping')?.code).toContain('"committed"');
    expect(tenant.state.migrationVersion).toBe(0);
    expect(await tenant.workspace.read('functions/ping.js')).toBe(committed);
    expect(existsSync(path.join(dir, 'migrations/0001_create_table_t.sql'))).toBe(false);
    expect(existsSync(path.join(dir, 'frontend/Cut.tsx'))).toBe(false);
    // git itself agrees: the working tree and index are HEAD's, and the next commit holds only its change.
    expect(execFileSync('git', ['-C', dir, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
    const next = await tenant.workspace.commit([{ path: 'README.md', content: 'changed\n' }], 'Change README');
    expect((await tenant.workspace.filesAt(next)).has('migrations/0001_create_table_t.sql')).toBe(false);
    await platform.tenants.remove('halfway');
  });

  it("reads each function's access from its manifest: none is public, one that does not parse admits admins only", async () => {
    const { platform } = test;
    await platform.tenants.create('guarded');
    const repo = openWorkspace(path.join(test.dataDir, 'tenants', 'guarded', 'repo'));
    const code = 'module.exports = async () => ({ status: 200, body: "ok" })';
    await repo.commit(
      [
        { path: 'functions/open.js', content: code },
        { path: 'functions/mine.js', content: code },
        { path: 'functions/mine.json', content: '{ "access": "user" }\n' },
        { path: 'functions/odd.js', content: code },
        { path: 'functions/odd.json', content: '{ "access": "everyone" }' },
      ],
      'Add functions',
    );
    const restarted = createTenantManager({
      dataDir: test.dataDir,
      dbPool: platform.dbPool,
      runtime: platform.runtime,
      registry: platform.registry,
      packages: platform.packages,
      logger: createSilentLogger(),
    });
    const { functions } = (await restarted.get('guarded')).state;
    expect(Object.fromEntries([...functions.values()].map((fn) => [fn.name, fn.access]))).toEqual({ open: 'public', mine: 'user', odd: 'admin' });
    await platform.tenants.remove('guarded');
  });

  it('lists only whole tenants and refuses to create one twice', async () => {
    const { platform } = test;
    await platform.tenants.create('whole');
    await expect(platform.tenants.create('whole')).rejects.toMatchObject({ code: 'TENANT_EXISTS' });
    expect(await platform.tenants.list()).toEqual(['crashy', 'whole']);
    await expect(platform.tenants.get('ghost')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });

  it('serializes concurrent tool calls on one tenant: every one gets its own commit', async () => {
    const { platform } = test;
    await platform.tenants.create('busy');
    const { runTool } = await import('../tools/index.ts');
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        runTool(platform, 'busy', 'createBackendFunction', { name: `fn-${i}`, code: `module.exports = async () => ({ status: 200, body: ${i} })` }),
      ),
    );
    const tenant = await platform.tenants.get('busy');
    const log = await tenant.workspace.log();
    expect(log).toHaveLength(6);
    expect(new Set(log.map((c) => c.message)).size).toBe(6);
    expect(tenant.state.functions.size).toBe(5);
  });

  it('deletes a tenant through the platform: files, registry rows and what this process kept of it', async () => {
    const { platform } = test;
    await platform.tenants.create('doomed');
    await platform.registry.setEgressAllowlist('doomed', ['api.example.com']);
    await platform.deleteTenant('doomed');
    expect(await platform.tenants.list()).not.toContain('doomed');
    expect(await platform.registry.hasTenant('doomed')).toBe(false);
    expect(await platform.registry.listEgress('doomed')).toEqual([]);
    await expect(platform.tenants.get('doomed')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });
});

describe('tenants with replicas (leases)', () => {
  it('opens a tenant only while holding its lease, and knows tenants by the registry', async () => {
    const { platform } = test;
    const logger = createSilentLogger();
    const a = new LeasedPlacement({ registry: platform.registry, url: 'http://a.invalid', ttlMs: 60_000, logger });
    const b = new LeasedPlacement({ registry: platform.registry, url: 'http://b.invalid', ttlMs: 60_000, logger });
    try {
      const onA = createTenantManager({
        dataDir: test.dataDir,
        dbPool: platform.dbPool,
        runtime: platform.runtime,
        registry: platform.registry,
        packages: platform.packages,
        logger,
        leases: a,
      });
      await platform.tenants.create('leased');
      // A tenant made before the registry listed tenants: on disk only.
      await openWorkspace(path.join(test.dataDir, 'tenants', 'legacy', 'repo')).init(Tenant.initialFiles('legacy'), 'Create app legacy');
      expect(await onA.list()).not.toContain('legacy');
      expect(await onA.known('legacy')).toBe(true);
      expect(await onA.known('leased')).toBe(true);
      expect(await onA.known('nobody')).toBe(false);

      await expect(onA.get('leased')).rejects.toMatchObject({ code: 'TENANT_UNAVAILABLE', status: 503 });
      expect(await a.locate('leased')).toEqual({ local: true });
      expect((await onA.get('leased')).id).toBe('leased');
      // Held by A, so B is told where it is and cannot open it.
      expect(await b.locate('leased')).toMatchObject({ local: false, url: 'http://a.invalid' });
      const onB = createTenantManager({
        dataDir: test.dataDir,
        dbPool: platform.dbPool,
        runtime: platform.runtime,
        registry: platform.registry,
        packages: platform.packages,
        logger,
        leases: b,
      });
      await expect(onB.get('leased')).rejects.toMatchObject({ code: 'TENANT_UNAVAILABLE' });
      await expect(onB.withLock('leased', async () => 'wrote')).rejects.toMatchObject({ code: 'TENANT_UNAVAILABLE' });

      // Opened by its holder, the legacy tenant joins the registry's list.
      await a.locate('legacy');
      await onA.get('legacy');
      expect(await onA.list()).toContain('legacy');
      // Creating what the registry knows is refused even where the disk does not show it.
      await a.locate('leased');
      await expect(
        createTenantManager({
          dataDir: path.join(test.dataDir, 'elsewhere'),
          dbPool: platform.dbPool,
          runtime: platform.runtime,
          registry: platform.registry,
          packages: platform.packages,
          logger,
          leases: a,
        }).create('leased'),
      ).rejects.toMatchObject({ code: 'TENANT_EXISTS' });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
