import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BACKENDS } from '../../test/support/registry-backends.ts';
import type { Registry } from './index.ts';

describe.each(REGISTRY_BACKENDS)('registry on %s', (_name, open) => {
  let registry: Registry;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ registry, cleanup } = await open());
  }, 60_000);
  afterAll(() => cleanup());

  it('migrates idempotently', async () => {
    expect(['pglite', 'postgres']).toContain(registry.backend);
  });

  it('numbers artifact versions per tenant and name, also under concurrent writers', async () => {
    await registry.addTenant('notes');
    await registry.addTenant('notes');
    const versions = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        registry.recordArtifact('notes', 'component', { name: 'NotesApp', commit: `c${i}`, digest: `d${i}`, location: `NotesApp.${i}.js`, size: 100 + i }),
      ),
    );
    expect(versions.sort()).toEqual([1, 2, 3, 4, 5, 6]);
    await registry.recordArtifact('notes', 'function', { name: 'list-notes', commit: 'c1', digest: 'f1', location: 'functions/list-notes.js', size: 10 });
    const components = await registry.latestArtifacts('notes', 'component');
    expect(components).toEqual([expect.objectContaining({ name: 'NotesApp', version: 6 })]);
    expect(await registry.latestArtifacts('notes', 'function')).toEqual([
      expect.objectContaining({ name: 'list-notes', version: 1, location: 'functions/list-notes.js' }),
    ]);
  });

  it('keeps releases immutable: same text forever, 409 on a taken version, semver order', async () => {
    const snapshot = '{\n  "version": "1.0.0",\n  "weird spacing":   true\n}';
    await registry.createRelease('notes', { version: '1.0.0', commit: 'abc', snapshot });
    await registry.createRelease('notes', { version: '1.10.0', commit: 'def', snapshot: '{}' });
    await registry.createRelease('notes', { version: '1.2.0', commit: 'ghi', snapshot: '{}' });
    await expect(registry.createRelease('notes', { version: '1.0.0', commit: 'zzz', snapshot: '{"other":1}' })).rejects.toMatchObject({
      code: 'RELEASE_EXISTS',
      status: 409,
    });
    expect(await registry.getRelease('notes', '1.0.0')).toBe(snapshot);
    expect((await registry.listReleases('notes')).map((r) => r.version)).toEqual(['1.0.0', '1.2.0', '1.10.0']);
    expect(await registry.getRelease('notes', '9.9.9')).toBeNull();
  });

  it('chains concurrent deployments of one tenant: one at a time, each naming the one it replaced', async () => {
    await registry.addTenant('shop');
    const versions = ['1.0.0', '1.1.0', '2.0.0', '1.1.0', '1.0.0', '2.0.0', '1.0.0', '1.1.0'];
    await Promise.all(versions.map((v) => registry.recordDeployment('shop', v, 'test')));
    const history = await registry.listDeployments('shop');
    expect(history).toHaveLength(versions.length);
    expect(history[0]!.previousVersion).toBeNull();
    for (let i = 1; i < history.length; i++) expect(history[i]!.previousVersion).toBe(history[i - 1]!.version);
    expect(await registry.liveVersion('shop')).toBe(history.at(-1)!.version);
  });

  it('removes everything of a tenant', async () => {
    await registry.invite('notes', 'ada@example.test', 'viewer', 'owner');
    const before = await registry.projectOf('notes');
    await registry.removeTenant('notes');
    expect(await registry.listReleases('notes')).toEqual([]);
    expect(await registry.latestArtifacts('notes', 'component')).toEqual([]);
    expect(await registry.invitationsTo('notes')).toEqual([]);
    expect(await registry.projectOf('notes')).toBeNull();
    // The same id created again is another project.
    await registry.addTenant('notes');
    expect(await registry.projectOf('notes')).not.toBe(before);
    await registry.removeTenant('notes');
  });

  it('lists the tenants it knows, sorted, and says whether one exists', async () => {
    await registry.addTenant('zeta');
    await registry.addTenant('alpha');
    const listed = await registry.listTenants();
    expect(listed.filter((id) => ['alpha', 'zeta'].includes(id))).toEqual(['alpha', 'zeta']);
    expect([...listed].sort()).toEqual(listed);
    expect(await registry.hasTenant('alpha')).toBe(true);
    expect(await registry.hasTenant('omega')).toBe(false);
    await registry.removeTenant('zeta');
    expect(await registry.hasTenant('zeta')).toBe(false);
    expect(await registry.listTenants()).not.toContain('zeta');
  });

  it('gives a tenant lease to one holder at a time, until it runs out or is released', async () => {
    const first = await registry.acquireLease('leased', 'replica-a', 'http://a:3000', 60_000);
    expect(first).toMatchObject({ mine: true, holder: 'replica-a', holderUrl: 'http://a:3000', epoch: 1 });
    expect(first.remainingMs).toBeGreaterThan(50_000);
    // Taken: the other replica learns who holds it, and where.
    expect(await registry.acquireLease('leased', 'replica-b', 'http://b:3000', 60_000)).toMatchObject({
      mine: false,
      holder: 'replica-a',
      holderUrl: 'http://a:3000',
      epoch: 1,
    });
    // Concurrent takers of a free lease: exactly one wins.
    const race = await Promise.all(['x', 'y', 'z'].map((who) => registry.acquireLease('raced', who, `http://${who}`, 60_000)));
    expect(race.filter((l) => l.mine)).toHaveLength(1);
    expect(new Set(race.map((l) => l.holder)).size).toBe(1);
    // Renewing keeps only what is still ours.
    expect(await registry.renewLeases('replica-a', ['leased', 'raced'], 60_000)).toEqual([{ tenant: 'leased', epoch: 1, live: null }]);
    expect(await registry.renewLeases('replica-b', ['leased'], 60_000)).toEqual([]);
    // A renewal also says what is live, so a holder learns of deploys made elsewhere.
    await registry.recordDeployment('leased', '1.0.0', 'test');
    await registry.recordDeployment('leased', '1.1.0', 'read-path');
    expect(await registry.renewLeases('replica-a', ['leased'], 60_000)).toEqual([{ tenant: 'leased', epoch: 1, live: '1.1.0' }]);
    // An expired lease goes to the next taker, with a new epoch; the old holder cannot renew it.
    await registry.acquireLease('short', 'replica-a', 'http://a:3000', 1000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await registry.acquireLease('short', 'replica-b', 'http://b:3000', 60_000)).toMatchObject({ mine: true, holder: 'replica-b', epoch: 2 });
    expect(await registry.renewLeases('replica-a', ['short'], 60_000)).toEqual([]);
    expect(await registry.renewLeases('replica-b', ['short'], 60_000)).toEqual([{ tenant: 'short', epoch: 2, live: null }]);
    // Released: free at once.
    await registry.releaseLeases('replica-a');
    expect(await registry.acquireLease('leased', 'replica-b', 'http://b:3000', 60_000)).toMatchObject({ mine: true, epoch: 2 });
  });
});
