import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { LeaseStore } from '../registry/index.ts';

export type Placement = { local: true } | { local: false; holder: string; url: string };

export interface TenantPlacement {
  /** Several replicas share the tenants (leases on). */
  readonly replicated: boolean;
  /** This replica's holder id. */
  readonly id: string;
  /** Where a tenant is served: here (taking its lease when free), or the holder's URL. */
  locate(tenant: string): Promise<Placement>;
  /** Takes the tenant's lease here if it is free (a tenant about to be created); false when another replica holds it. */
  claim(tenant: string): Promise<boolean>;
  /** The same without asking the registry: what this replica holds or saw held elsewhere a moment ago, else null. */
  peek(tenant: string): Placement | null;
  /** Whether this replica holds the tenant's lease now (reads may go on until it runs out). */
  holds(tenant: string): boolean;
  /** Fencing before a write: TENANT_UNAVAILABLE unless this replica holds the lease with time to spare. */
  assertHeld(tenant: string): void;
  /** The holder did not answer: look it up again next time. Returns how long its lease had left when last seen (ms). */
  forgetRemote(tenant: string): number;
  /** Gives a tenant's lease up (e.g. the tenant was deleted). */
  release(tenant: string): Promise<void>;
  /**
   * Called when this replica stops serving a tenant (its lease went to another replica, ran out, or
   * the replica is closing): everything of the tenant must be unloaded here. The tenant is served
   * here again only after the returned promise settles.
   */
  onLost(listener: (tenant: string) => void | Promise<void>): void;
  /** Called after each renewal with the live release the registry records for a tenant held here. */
  onLive(listener: (tenant: string, version: string | null) => void): void;
  /** Hands the tenants over: stops their work here (then `drain`), and only then releases the leases. */
  close(drain?: () => Promise<void>): Promise<void>;
}

const LOCAL: Placement = { local: true };

/** One process: every tenant is here. */
export function singleProcessPlacement(): TenantPlacement {
  return {
    replicated: false,
    id: 'single',
    locate: async () => LOCAL,
    claim: async () => true,
    peek: () => LOCAL,
    holds: () => true,
    assertHeld: () => undefined,
    forgetRemote: () => 0,
    release: async () => undefined,
    onLost: () => undefined,
    onLive: () => undefined,
    // Nothing to hand over: a single process stops as it always did.
    close: async () => undefined,
  };
}

/** A lease held here: until when (performance.now() ms, counted from before the statement that took or renewed it), and which holding it is. */
interface Hold {
  deadline: number;
  epoch: number;
}

/**
 * Tenant leases in the registry, renewed every third of their lifetime. The registry's clock alone
 * decides when a lease has run out; this replica counts its own deadline on a monotonic clock from
 * the moment before it asked, which ends no later than the registry's expiry (clock rates agree;
 * wall clocks need not), so it has stopped before another replica can take the tenant.
 */
export class LeasedPlacement implements TenantPlacement {
  readonly replicated = true;
  readonly id = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly held = new Map<string, Hold>();
  /** Tenant -> where it was held elsewhere, remembered briefly so forwarding costs no query each time. */
  private readonly remote = new Map<string, { placement: Placement; until: number; expires: number }>();
  /** Tenant -> its unloading after a loss: serving it here again waits for it, so old processes never overlap new ones. */
  private readonly unloading = new Map<string, Promise<void>>();
  /** Tenant -> a lookup in flight: concurrent requests for one tenant share one registry statement. */
  private readonly locating = new Map<string, Promise<Placement>>();
  private readonly lostListeners: Array<(tenant: string) => void | Promise<void>> = [];
  private readonly liveListeners: Array<(tenant: string, version: string | null) => void> = [];
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | null = null;
  private closing = false;

  constructor(private readonly deps: { registry: LeaseStore; url: string; ttlMs: number; logger: Logger }) {
    this.timer = setInterval(() => void this.renew(), Math.max(250, Math.floor(deps.ttlMs / 3)));
    this.timer.unref();
  }

  peek(tenant: string): Placement | null {
    const now = performance.now();
    const mine = this.held.get(tenant);
    if (mine && !this.closing && mine.deadline - now > this.deps.ttlMs / 3) return LOCAL;
    const cached = this.remote.get(tenant);
    return cached && cached.until > now ? cached.placement : null;
  }

  async claim(tenant: string): Promise<boolean> {
    return (await this.locate(tenant)).local;
  }

  holds(tenant: string): boolean {
    return !this.closing && (this.held.get(tenant)?.deadline ?? -Infinity) > performance.now();
  }

  locate(tenant: string): Promise<Placement> {
    const known = this.peek(tenant);
    if (known) return Promise.resolve(known);
    let pending = this.locating.get(tenant);
    if (!pending) {
      pending = this.lookUp(tenant).finally(() => this.locating.delete(tenant));
      this.locating.set(tenant, pending);
    }
    return pending;
  }

  private async lookUp(tenant: string): Promise<Placement> {
    if (this.closing)
      throw new TesseraError(
        'TENANT_UNAVAILABLE',
        `This replica is shutting down and hands "${tenant}" over; nothing was changed. Retry: another replica takes it.`,
      );
    // A gap in holding (a stall longer than the lease, a partition from the registry): another
    // replica may have served and changed the tenant meanwhile, so nothing loaded here survives it.
    const mine = this.held.get(tenant);
    if (mine && mine.deadline <= performance.now()) this.lose(tenant, 'its lease ran out before it was renewed');
    // Old processes of the tenant go first, before the lease's time starts counting.
    await this.unloading.get(tenant);
    const started = performance.now();
    const lease = await this.deps.registry.acquireLease(tenant, this.id, this.deps.url, this.deps.ttlMs);
    if (lease.mine) {
      const before = this.held.get(tenant);
      if (before && before.epoch !== lease.epoch) {
        this.lose(tenant, 'another replica held it meanwhile');
        await this.unloading.get(tenant);
      }
      this.held.set(tenant, { deadline: started + Math.min(this.deps.ttlMs, lease.remainingMs), epoch: lease.epoch });
      this.remote.delete(tenant);
      if (!before) this.deps.logger.info({ tenant, epoch: lease.epoch }, 'tenant lease taken');
      return LOCAL;
    }
    this.lose(tenant, 'another replica holds it');
    const placement: Placement = { local: false, holder: lease.holder, url: lease.holderUrl };
    const now = performance.now();
    this.remote.set(tenant, { placement, until: now + Math.min(1000, Math.max(0, lease.remainingMs)), expires: now + Math.max(0, lease.remainingMs) });
    return placement;
  }

  assertHeld(tenant: string): void {
    const mine = this.held.get(tenant);
    if (this.closing || !mine || mine.deadline - performance.now() < this.deps.ttlMs / 5) {
      throw new TesseraError(
        'TENANT_UNAVAILABLE',
        `This replica no longer holds "${tenant}" (its lease ran out or moved); nothing was changed. Retry: the request goes to the replica that holds it.`,
      );
    }
  }

  forgetRemote(tenant: string): number {
    const seen = this.remote.get(tenant);
    this.remote.delete(tenant);
    return seen ? Math.max(0, seen.expires - performance.now()) : 0;
  }

  async release(tenant: string): Promise<void> {
    this.held.delete(tenant);
    await this.deps.registry.releaseLeases(this.id, [tenant]);
  }

  onLost(listener: (tenant: string) => void | Promise<void>): void {
    this.lostListeners.push(listener);
  }

  onLive(listener: (tenant: string, version: string | null) => void): void {
    this.liveListeners.push(listener);
  }

  /** Renews every lease held; those the registry no longer gives us are lost (unloaded here). */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      const tenants = [...this.held.keys()];
      if (!tenants.length) return;
      const started = performance.now();
      try {
        const kept = new Map((await this.deps.registry.renewLeases(this.id, tenants, this.deps.ttlMs)).map((lease) => [lease.tenant, lease]));
        for (const tenant of tenants) {
          const mine = this.held.get(tenant);
          if (!mine) continue;
          const lease = kept.get(tenant);
          if (!lease || lease.epoch !== mine.epoch) {
            this.lose(tenant, 'the registry gave it to another replica');
            continue;
          }
          mine.deadline = started + this.deps.ttlMs;
          for (const listener of this.liveListeners) listener(tenant, lease.live);
        }
      } catch (err) {
        // The registry is unreachable: serve on until the local deadlines pass (assertHeld fences writes before that).
        this.deps.logger.error({ err }, 'could not renew tenant leases');
        for (const tenant of tenants)
          if ((this.held.get(tenant)?.deadline ?? Infinity) <= performance.now()) this.lose(tenant, 'its lease could not be renewed');
      }
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private lose(tenant: string, why: string): void {
    if (!this.held.delete(tenant)) return;
    this.deps.logger.warn({ tenant, why }, 'tenant lease lost: unloading it here');
    this.unload(tenant);
  }

  private unload(tenant: string): void {
    const previous = this.unloading.get(tenant) ?? Promise.resolve();
    const done = previous.then(async () => {
      await Promise.allSettled(this.lostListeners.map(async (listener) => listener(tenant)));
    });
    this.unloading.set(tenant, done);
    void done.then(() => {
      if (this.unloading.get(tenant) === done) this.unloading.delete(tenant);
    });
  }

  async close(drain?: () => Promise<void>): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const tenants = [...this.held.keys()];
    // Work on our tenants stops while their leases still hold (renewals go on), and only then are
    // they handed over: the next holder never opens a file a process of ours still has open.
    for (const tenant of tenants) this.unload(tenant);
    await Promise.all(this.unloading.values());
    await drain?.().catch((err: unknown) => this.deps.logger.error({ err }, 'work on tenants did not end before handing them over'));
    clearInterval(this.timer);
    await this.renewing?.catch(() => undefined);
    this.held.clear();
    // Handed over at once: the next request's replica takes the tenants without waiting for expiry.
    await this.deps.registry.releaseLeases(this.id).catch((err: unknown) => this.deps.logger.error({ err, tenants }, 'could not release tenant leases'));
  }
}
