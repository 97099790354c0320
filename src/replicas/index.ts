/**
 * Several Tessera replicas behind one load balancer, sharing one DATA_DIR volume and one PostgreSQL
 * registry. Each tenant is served by exactly one replica at a time, its lease holder (a row in the
 * registry, renewed while the holder lives): only the holder opens the tenant's git repository and
 * SQLite file, runs its functions and agent, and caches its state. Any replica takes any request;
 * one for a tenant held elsewhere is forwarded to the holder (bodies and server-sent events stream
 * through). When a holder dies its leases expire and the next request's replica takes the tenant
 * over, reloading it from the shared volume.
 *
 * With one process (no TESSERA_REPLICA_URL) every tenant is local and nothing here runs.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { Readable } from 'node:stream';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Registry } from '../registry/index.ts';

export type Placement = { local: true } | { local: false; holder: string; url: string };

export interface TenantPlacement {
  /** Several replicas share the tenants (leases on). */
  readonly replicated: boolean;
  /** This replica's holder id. */
  readonly id: string;
  /** Where a tenant is served: here (taking its lease when free), or the holder's URL. */
  locate(tenant: string): Promise<Placement>;
  /** The same without asking the registry: what this replica holds or saw held elsewhere a moment ago, else null. */
  peek(tenant: string): Placement | null;
  /** Whether this replica holds the tenant's lease now (reads may go on until it runs out). */
  holds(tenant: string): boolean;
  /** Fencing before a write: TENANT_UNAVAILABLE unless this replica holds the lease with time to spare. */
  assertHeld(tenant: string): void;
  /** The holder did not answer: look it up again next time. */
  forgetRemote(tenant: string): void;
  /** Gives a tenant's lease up (e.g. the tenant was deleted). */
  release(tenant: string): Promise<void>;
  /** Called when a lease could not be renewed: the tenant must be unloaded here at once. */
  onLost(listener: (tenant: string) => void): void;
  close(): Promise<void>;
}

const LOCAL: Placement = { local: true };

/** One process: every tenant is here. */
export function singleProcessPlacement(): TenantPlacement {
  return {
    replicated: false,
    id: 'single',
    locate: async () => LOCAL,
    peek: () => LOCAL,
    holds: () => true,
    assertHeld: () => undefined,
    forgetRemote: () => undefined,
    release: async () => undefined,
    onLost: () => undefined,
    close: async () => undefined,
  };
}

/** Tenant leases in the registry, renewed every third of their lifetime. */
export class LeasedPlacement implements TenantPlacement {
  readonly replicated = true;
  readonly id = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  /** Tenant -> when (Date.now() ms) our lease ends at the latest, counted from before the statement that renewed it. */
  private readonly held = new Map<string, number>();
  /** Tenant -> where it was held elsewhere, remembered briefly so forwarding costs no query each time. */
  private readonly remote = new Map<string, { placement: Placement; until: number }>();
  private readonly listeners: Array<(tenant: string) => void> = [];
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | null = null;

  constructor(private readonly deps: { registry: Registry; url: string; ttlMs: number; logger: Logger }) {
    this.timer = setInterval(() => void this.renew(), Math.max(250, Math.floor(deps.ttlMs / 3)));
    this.timer.unref();
  }

  peek(tenant: string): Placement | null {
    const now = Date.now();
    const deadline = this.held.get(tenant);
    if (deadline !== undefined && deadline - now > this.deps.ttlMs / 3) return LOCAL;
    const cached = this.remote.get(tenant);
    return cached && cached.until > now ? cached.placement : null;
  }

  holds(tenant: string): boolean {
    return (this.held.get(tenant) ?? 0) > Date.now();
  }

  async locate(tenant: string): Promise<Placement> {
    const known = this.peek(tenant);
    if (known) return known;
    const deadline = this.held.get(tenant);
    const started = Date.now();
    const lease = await this.deps.registry.acquireLease(tenant, this.id, this.deps.url, this.deps.ttlMs);
    if (lease.mine) {
      this.held.set(tenant, started + Math.min(this.deps.ttlMs, lease.remainingMs));
      this.remote.delete(tenant);
      if (deadline === undefined) this.deps.logger.info({ tenant, epoch: lease.epoch }, 'tenant lease taken');
      return LOCAL;
    }
    if (deadline !== undefined) this.lose(tenant);
    const placement: Placement = { local: false, holder: lease.holder, url: lease.holderUrl };
    this.remote.set(tenant, { placement, until: Date.now() + Math.min(1000, Math.max(0, lease.remainingMs)) });
    return placement;
  }

  assertHeld(tenant: string): void {
    const deadline = this.held.get(tenant);
    if (deadline === undefined || deadline - Date.now() < this.deps.ttlMs / 5) {
      throw new TesseraError('TENANT_UNAVAILABLE', `This replica no longer holds "${tenant}" (its lease ran out); nothing was changed. Retry: the request goes to the replica that holds it.`);
    }
  }

  forgetRemote(tenant: string): void {
    this.remote.delete(tenant);
  }

  async release(tenant: string): Promise<void> {
    this.held.delete(tenant);
    await this.deps.registry.releaseLeases(this.id, [tenant]);
  }

  onLost(listener: (tenant: string) => void): void {
    this.listeners.push(listener);
  }

  /** Renews every lease held; those the registry no longer gives us are lost (unloaded here). */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      const tenants = [...this.held.keys()];
      if (!tenants.length) return;
      const started = Date.now();
      try {
        const kept = new Set(await this.deps.registry.renewLeases(this.id, tenants, this.deps.ttlMs));
        for (const tenant of tenants) {
          if (kept.has(tenant)) this.held.set(tenant, started + this.deps.ttlMs);
          else this.lose(tenant);
        }
      } catch (err) {
        // The registry is unreachable: keep serving until the local deadlines pass (assertHeld fences writes).
        this.deps.logger.error({ err }, 'could not renew tenant leases');
        for (const tenant of tenants) if ((this.held.get(tenant) ?? 0) <= Date.now()) this.lose(tenant);
      }
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private lose(tenant: string): void {
    if (!this.held.delete(tenant)) return;
    this.deps.logger.warn({ tenant }, 'tenant lease lost: unloading it here');
    for (const listener of this.listeners) listener(tenant);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing?.catch(() => undefined);
    const tenants = [...this.held.keys()];
    this.held.clear();
    // Handing over at once: the next request's replica takes the tenants without waiting for expiry.
    await this.deps.registry.releaseLeases(this.id).catch((err: unknown) => this.deps.logger.error({ err, tenants }, 'could not release tenant leases'));
  }
}

/** Headers a replica adds to a forwarded request. */
export const FORWARDED_BY = 'x-tessera-forwarded-by';
const FORWARDED_FOR = 'x-tessera-forwarded-for';
const FORWARD_PROOF = 'x-tessera-forward-proof';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', FORWARDED_BY, FORWARDED_FOR, FORWARD_PROOF]);

/**
 * Forwards requests to other replicas and recognises forwarded ones. The proof (an HMAC of the
 * replicas' shared sealing key) lets the receiver trust the original client address it names, which
 * the sign-in throttle counts by.
 */
export class Forwarder {
  private readonly proof: string;
  // noDelay: a forwarded request is one small write; Nagle would hold it for the previous ACK.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, noDelay: true } as http.AgentOptions);

  constructor(sealingKey: Buffer, private readonly replicaId: string) {
    this.proof = createHmac('sha256', sealingKey).update('tessera replica forwarding v1').digest('hex');
  }

  /** The client address a trusted forwarded request names, or null. */
  originalClient(headers: Headers): string | null {
    const proof = headers.get(FORWARD_PROOF);
    return proof && proof === this.proof ? headers.get(FORWARDED_FOR) : null;
  }

  isForwarded(headers: Headers): boolean {
    return headers.has(FORWARDED_BY) && this.originalClient(headers) !== null;
  }

  /** Sends `request` (same method, path, Host and headers, body streamed) to `baseUrl` and streams the answer back. */
  forward(request: Request, baseUrl: string, client: string): Promise<Response> {
    const source = new URL(request.url);
    const target = new URL(`${source.pathname}${source.search}`, `${baseUrl}/`);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) headers[name] = value;
    });
    headers.host = request.headers.get('host') ?? source.host;
    headers[FORWARDED_BY] = this.replicaId;
    headers[FORWARDED_FOR] = client;
    headers[FORWARD_PROOF] = this.proof;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = http.request({ hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: request.method, headers, agent: this.agent }, (incoming) => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value === undefined || HOP_BY_HOP.has(name)) continue;
          for (const one of Array.isArray(value) ? value : [value]) answer.append(name, one);
        }
        const status = incoming.statusCode ?? 502;
        const bodyless = request.method === 'HEAD' || status === 204 || status === 304;
        if (bodyless) incoming.resume();
        resolve(new Response(bodyless ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), { status, headers: answer }));
      });
      outgoing.on('error', reject);
      if (request.body && request.method !== 'GET' && request.method !== 'HEAD') Readable.fromWeb(request.body as import('node:stream/web').ReadableStream).pipe(outgoing);
      else outgoing.end();
    });
  }

  /**
   * The same at the Node level, for a request nobody has read yet: the client's socket is piped to
   * the holder and the holder's answer straight back, with no web-stream conversions on the way.
   * Resolves once the answer's head is written (the body keeps streaming); rejects when the holder
   * cannot be reached, before anything was written.
   */
  pipe(incoming: http.IncomingMessage, outgoing: http.ServerResponse, baseUrl: string, client: string): Promise<void> {
    const target = new URL(incoming.url ?? '/', `${baseUrl}/`);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers[FORWARDED_BY] = this.replicaId;
    headers[FORWARDED_FOR] = client;
    headers[FORWARD_PROOF] = this.proof;
    return new Promise<void>((resolve, reject) => {
      const proxied = http.request({ hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: incoming.method, headers, agent: this.agent }, (answer) => {
        const head: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) head[name] = value;
        outgoing.writeHead(answer.statusCode ?? 502, head);
        // The head goes out now, not with the first body chunk: a server-sent event stream may be
        // silent for a long time, and its client waits for the head.
        outgoing.flushHeaders();
        answer.pipe(outgoing);
        // The client went away: stop the holder's side too (an SSE stream would otherwise live on).
        outgoing.once('close', () => answer.destroy());
        resolve();
      });
      proxied.once('error', (err) => {
        if (outgoing.headersSent) outgoing.destroy(err);
        else reject(err);
      });
      // Nothing to stream for a GET: end now rather than wait for the client's (empty) body to end.
      if (incoming.method === 'GET' || incoming.method === 'HEAD') proxied.end();
      else incoming.pipe(proxied);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
