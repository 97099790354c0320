import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../log.ts';
import { openWorkspace } from '../workspace/index.ts';
import { createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { createTenantManager } from './index.ts';

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
    await repo.commit([{ path: 'frontend/Hello.tsx', content: 'export default () => <p>hi</p>' }, { path: 'functions/ping.js', content: 'module.exports = async () => ({ status: 200, body: "pong" })' }], 'Add things');

    const restarted = createTenantManager({ dataDir: test.dataDir, dbPool: platform.dbPool, runtime: platform.runtime, logger: createSilentLogger() });
    const tenant = await restarted.get('crashy');
    expect(tenant.state.migrationVersion).toBe(1);
    expect((await tenant.db.describe()).map((t) => t.name)).toEqual(['t']);
    expect([...tenant.state.components.keys()]).toEqual(['Hello']);
    expect([...tenant.state.functions.keys()]).toEqual(['ping']);
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
      Array.from({ length: 5 }, (_, i) => runTool(platform, 'busy', 'createBackendFunction', { name: `fn-${i}`, code: `module.exports = async () => ({ status: 200, body: ${i} })` })),
    );
    const tenant = await platform.tenants.get('busy');
    const log = await tenant.workspace.log();
    expect(log).toHaveLength(6);
    expect(new Set(log.map((c) => c.message)).size).toBe(6);
    expect(tenant.state.functions.size).toBe(5);
  });
});
