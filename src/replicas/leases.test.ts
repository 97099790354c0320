import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../log.ts';
import { openRegistry, type Registry } from '../registry/index.ts';
import { LeasedPlacement } from './index.ts';

/**
 * Two replicas' lease keepers over one registry, in one process (the registry's clock decides
 * expiry; each keeper counts its own deadline). A "stall" blocks the whole thread, as a long GC
 * pause or a throttled container does: no timer runs, no renewal is sent.
 */
const TTL = 1000;
const stall = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

let registry: Registry;
const keepers: LeasedPlacement[] = [];
const keeper = (name: string): LeasedPlacement => {
  const placement = new LeasedPlacement({ registry, url: `http://${name}.invalid`, ttlMs: TTL, logger: createSilentLogger() });
  keepers.push(placement);
  return placement;
};

beforeAll(async () => {
  registry = await openRegistry({});
});
afterAll(async () => {
  for (const placement of keepers) await placement.close();
  await registry.close();
});

describe('tenant leases', () => {
  it('keeps a tenant here while renewing, and tells other replicas where it is', async () => {
    const a = keeper('a');
    const b = keeper('b');
    expect(await a.locate('kept')).toEqual({ local: true });
    await new Promise((resolve) => setTimeout(resolve, TTL * 1.5));
    expect(a.holds('kept')).toBe(true);
    expect(await b.locate('kept')).toEqual({ local: false, holder: a.id, url: 'http://a.invalid' });
    expect(b.holds('kept')).toBe(false);
    expect(() => b.assertHeld('kept')).toThrow(expect.objectContaining({ code: 'TENANT_UNAVAILABLE' }));
  });

  it('drops what it loaded of a tenant after a gap in holding, before serving it again', async () => {
    const a = keeper('a');
    const lost: string[] = [];
    a.onLost((tenant) => void lost.push(tenant));
    await a.locate('gap');
    stall(TTL * 1.3);
    // The lease ran out while nothing ran here: another replica may have changed the tenant.
    expect(a.holds('gap')).toBe(false);
    expect(() => a.assertHeld('gap')).toThrow(expect.objectContaining({ code: 'TENANT_UNAVAILABLE' }));
    expect(await a.locate('gap')).toEqual({ local: true });
    expect(lost).toEqual(['gap']);
  });

  it('loses a tenant that another replica took over, and waits for its unloading before serving it again', async () => {
    const a = keeper('a');
    const b = keeper('b');
    const events: string[] = [];
    a.onLost(async (tenant) => {
      events.push(`unloading ${tenant}`);
      await new Promise((resolve) => setTimeout(resolve, 800));
      events.push(`unloaded ${tenant}`);
    });
    await a.locate('moved');
    stall(TTL * 1.3);
    expect(await b.locate('moved')).toEqual({ local: true });
    await a.renew();
    expect(events).toEqual(['unloading moved']);
    expect(a.holds('moved')).toBe(false);
    // Back to A once B is gone, while A is still unloading: A serves it only after that is done.
    await b.close();
    expect(events).toEqual(['unloading moved']);
    expect(await a.locate('moved')).toEqual({ local: true });
    expect(events).toEqual(['unloading moved', 'unloaded moved']);
  });

  it('hands tenants over on close only after their work has ended', async () => {
    const a = keeper('a');
    const b = keeper('b');
    const events: string[] = [];
    a.onLost((tenant) => void events.push(`stopped ${tenant}`));
    await a.locate('handed');
    const closing = a.close(async () => {
      // Work in flight: A must not take new work, and B must not get the tenant yet.
      expect(a.holds('handed')).toBe(false);
      expect(() => a.assertHeld('handed')).toThrow(expect.objectContaining({ code: 'TENANT_UNAVAILABLE' }));
      await new Promise((resolve) => setTimeout(resolve, TTL * 1.5));
      expect(await b.locate('handed')).toMatchObject({ local: false, holder: a.id });
      b.forgetRemote('handed');
      events.push('drained');
    });
    await closing;
    expect(events).toEqual(['stopped handed', 'drained']);
    expect(await b.locate('handed')).toEqual({ local: true });
  });

  it('reports the live release at each renewal', async () => {
    const a = keeper('a');
    const live: Array<[string, string | null]> = [];
    a.onLive((tenant, version) => void live.push([tenant, version]));
    await a.locate('deployed');
    await a.renew();
    await registry.recordDeployment('deployed', '2.0.0', 'read-path');
    await a.renew();
    expect(live).toEqual([
      ['deployed', null],
      ['deployed', '2.0.0'],
    ]);
  });
});
