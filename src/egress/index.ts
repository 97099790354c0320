/**
 * The way out of the sandbox: outbound HTTP(S) of tenant functions, made by the platform on their
 * behalf, only to hosts the app's owner allowed, never to a private address (checked after DNS
 * resolution, for every connection, redirects included), within per-tenant limits, and logged.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { FixedWindowCounters } from '../fixed-window.ts';

export interface EgressRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: Uint8Array;
}
export interface EgressReply {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  /** The final URL, after redirects. */
  url: string;
}
/** The limits, as configured (EGRESS_* in src/config.ts, which holds their defaults). */
export interface EgressLimits {
  /** Outbound requests of one tenant in flight at once. */
  maxConnections: number;
  requestsPerMinute: number;
  /** Largest response body one request may bring back. */
  maxResponseBytes: number;
  /** Bytes (sent and received) one tenant may move per minute. */
  bytesPerMinute: number;
  timeoutMs: number;
}
const MAX_REDIRECTS = 5;
const ALLOWLIST_CACHE_MS = 5000;
/** Headers that describe one connection, not the request: never forwarded either way. */
/** Credentials a redirect to another origin never carries (fetch drops `authorization`; cookies and proxy credentials are the origin's too). */
const ORIGIN_CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** Headers that describe a body: gone with it when a redirect turns the request into a GET (as fetch does). */
const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'content-location']);
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** An allowlist entry: `api.example.com`, `*.example.com`, `api.example.com:8443`, `203.0.113.7`, `[2001:db8::1]:443`. */
const HOST_PATTERN = /^(\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/;
export const egressEntrySchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(260)
  .regex(HOST_PATTERN, 'must be a host name, optionally "*." in front and ":port" after, e.g. "api.example.com", "*.example.com", "api.example.com:8443"');

export function checkEgressEntry(value: unknown): string {
  const parsed = egressEntrySchema.safeParse(value);
  if (!parsed.success) throw new TesseraError('INVALID_ARGUMENTS', `Egress entry ${JSON.stringify(value)} ${parsed.error.issues[0]!.message}.`);
  const port = /:(\d+)$/.exec(parsed.data)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    throw new TesseraError('INVALID_ARGUMENTS', `Egress entry "${parsed.data}": port ${port} is not 1-65535.`);
  return parsed.data;
}

/** Why a request was refused; its message is what the function sees (it names the host and the reason). */
export class EgressRefused extends Error {}

/** A scheme's port when the URL names none: HTTP's, and SMTP's (submission; implicit TLS) for the app's mail server (src/email). */
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'smtp:': 587, 'smtps:': 465 };
const defaultPort = (protocol: string): number => DEFAULT_PORTS[protocol] ?? 80;

/** Whether `url` is covered by one of the entries: the host (or a `*.` suffix) and the port (default port when the entry has none). */
export function allowedBy(entries: readonly string[], url: URL): string | null {
  const host = url.hostname.toLowerCase();
  const port = url.port ? Number(url.port) : defaultPort(url.protocol);
  for (const entry of entries) {
    const match = /^(.*?)(?::(\d+))?$/.exec(entry)!;
    const entryHost = match[1]!;
    const entryPort = match[2] ? Number(match[2]) : null;
    const hostOk = entryHost.startsWith('*.') ? host.endsWith(entryHost.slice(1)) && host.length > entryHost.length - 1 : host === entryHost;
    const portOk = entryPort === null ? port === defaultPort(url.protocol) : port === entryPort;
    if (hostOk && portOk) return entry;
  }
  return null;
}

/** Why an address may not be reached (null: it may): only public unicast, or loopback on a port the tests named. */
export function addressRefusal(address: string, port: number, loopbackPorts: readonly number[]): string | null {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (range === 'loopback' && loopbackPorts.includes(port)) return null;
  const names: Record<string, string> = {
    loopback: 'a loopback address',
    private: 'a private address',
    linkLocal: 'a link-local address (cloud metadata lives there)',
    uniqueLocal: 'a private (unique local) address',
    unspecified: 'an unspecified address',
    carrierGradeNat: 'a carrier-grade NAT address',
    multicast: 'a multicast address',
    broadcast: 'a broadcast address',
  };
  return `${address} is ${names[range] ?? `a reserved address (${range})`}`;
}

export interface EgressProxyOptions {
  /** The hosts an app's owner allowed (entries as checkEgressEntry made them). */
  allowlist(tenant: string): Promise<readonly string[]>;
  limits: EgressLimits;
  /** Test-only: loopback ports an allowlisted 127.0.0.1:<port> entry may reach. */
  loopbackPorts?: readonly number[];
  /** Test-only: DNS servers to resolve with instead of the system's resolver (e.g. "127.0.0.1:5353"). */
  dnsServers?: readonly string[];
}

/** The egress proxy: one per platform, shared by every tenant, each within its own budget. */
export class EgressProxy {
  readonly limits: EgressLimits;
  /** Each tenant's requests and bytes (sent and received) in the current minute. */
  private readonly usage = new FixedWindowCounters({ counters: ['requests', 'bytes'] as const });
  private readonly inFlight = new Map<string, number>();
  /** Allowlists read recently: a change made through this process is seen at once (forget), one made elsewhere within ALLOWLIST_CACHE_MS. */
  private readonly allowlists = new Map<string, { at: number; entries: Promise<readonly string[]> }>();
  private readonly loopbackPorts: readonly number[];
  private readonly resolver: dns.promises.Resolver | null;

  constructor(private readonly options: EgressProxyOptions) {
    this.limits = options.limits;
    this.loopbackPorts = options.loopbackPorts ?? [];
    this.resolver = options.dnsServers?.length ? new dns.promises.Resolver() : null;
    this.resolver?.setServers([...options.dnsServers!]);
  }

  /**
   * Makes the request, following up to 5 redirects (each hop checked again), and returns the whole
   * answer. Throws EgressRefused, naming the host and the reason, for anything it will not do.
   * `log` gets one line per hop: what went out and what came back, or the refusal.
   */
  async request(tenant: string, request: EgressRequest, log: (level: 'info' | 'warn', message: string) => void): Promise<EgressReply> {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new EgressRefused(`fetch ${request.url}: not an absolute URL`);
    }
    const refuse = (target: URL, reason: string): never => {
      log('warn', `fetch ${request.method} ${target.origin}${target.pathname} refused: ${reason}`);
      throw new EgressRefused(`fetch ${target.href} refused: ${reason}`);
    };
    const inFlight = this.inFlight.get(tenant) ?? 0;
    const used = this.usage.counts(tenant);
    if (inFlight >= this.limits.maxConnections)
      refuse(url, `this app already has ${inFlight} outbound requests in flight (the limit is ${this.limits.maxConnections})`);
    if (used.requests >= this.limits.requestsPerMinute)
      refuse(url, `this app made ${used.requests} outbound requests this minute (the limit is ${this.limits.requestsPerMinute})`);
    if (used.bytes >= this.limits.bytesPerMinute) refuse(url, `this app moved ${used.bytes} bytes this minute (the limit is ${this.limits.bytesPerMinute})`);
    this.inFlight.set(tenant, inFlight + 1);
    this.usage.add(tenant, 'requests');
    const countBytes = (bytes: number): void => void this.usage.add(tenant, 'bytes', bytes);
    try {
      let method = request.method.toUpperCase();
      let body = request.body;
      let headers = request.headers.filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()));
      for (let hop = 0; ; hop++) {
        const entries = await this.allowlistOf(tenant);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(url, `only http and https are allowed, not ${url.protocol}`);
        if (url.username || url.password) refuse(url, 'credentials in the URL are not allowed; send them in a header');
        if (!allowedBy(entries, url)) refuse(url, `${url.host} is not on this app's egress allowlist (its owner adds hosts in the builder, Settings, Egress)`);
        const port = url.port ? Number(url.port) : defaultPort(url.protocol);
        const addresses = await this.resolve(url.hostname).catch((err: Error) => refuse(url, `${url.hostname} does not resolve (${err.message})`));
        // The test-only loopback opening is for literal 127.0.0.1:<port> entries; a name that resolves to loopback is refused.
        const literal = ipaddr.isValid(url.hostname.replace(/^\[|\]$/g, ''));
        for (const address of addresses) {
          const why = addressRefusal(address.address, port, literal ? this.loopbackPorts : []);
          if (why) refuse(url, `${url.hostname} resolves to ${why}`);
        }
        const reply = await this.send(url, port, method, headers, body, addresses[0]!, countBytes).catch((err: Error) => refuse(url, err.message));
        const ms = Math.round(performance.now() - started);
        log('info', `fetch ${method} ${url.origin}${url.pathname} -> ${reply.status}, ${reply.body.byteLength} B, ${ms} ms`);
        const location = reply.headers.find(([name]) => name === 'location')?.[1];
        if (![301, 302, 303, 307, 308].includes(reply.status) || !location) return { ...reply, url: url.href };
        if (hop >= MAX_REDIRECTS) refuse(url, `more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, url);
        // A secret sent to api.example.com must not follow a redirect to another host (or port, or scheme).
        if (next.origin !== url.origin) headers = headers.filter(([name]) => !ORIGIN_CREDENTIALS.has(name.toLowerCase()));
        url = next;
        if (reply.status === 303 || ((reply.status === 301 || reply.status === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          headers = headers.filter(([name]) => !BODY_HEADERS.has(name.toLowerCase()));
        }
      }
    } finally {
      const left = (this.inFlight.get(tenant) ?? 1) - 1;
      if (left > 0) this.inFlight.set(tenant, left);
      else this.inFlight.delete(tenant);
    }
  }

  /**
   * Checks a destination that is not an HTTP request (the app's SMTP server, src/email) by fetch's
   * rules: on the app's allowlist (an entry without a port covers the scheme's default port), and
   * every address the name resolves to public (the test-only loopback ports only for a literal
   * 127.0.0.1). Returns the checked address, to connect to it and nothing else (pinned). Throws
   * EgressRefused, naming the host and the reason.
   */
  async checkDestination(tenant: string, url: URL, what: string): Promise<{ address: string; family: 4 | 6 }> {
    const hostname = url.hostname.toLowerCase();
    const refuse = (reason: string): never => {
      throw new EgressRefused(`${what} ${hostname}${url.port ? `:${url.port}` : ''} refused: ${reason}`);
    };
    if (!hostname) refuse('no host');
    if (!allowedBy(await this.allowlistOf(tenant), url))
      refuse(
        `${url.host.toLowerCase()} (port ${url.port || defaultPort(url.protocol)}) is not on this app's egress allowlist (its owner adds hosts in the builder, Settings, Egress)`,
      );
    const port = url.port ? Number(url.port) : defaultPort(url.protocol);
    const addresses = await this.resolve(hostname).catch((err: Error) => refuse(`${hostname} does not resolve (${err.message})`));
    const literal = ipaddr.isValid(hostname.replace(/^\[|\]$/g, ''));
    for (const address of addresses) {
      const why = addressRefusal(address.address, port, literal ? this.loopbackPorts : []);
      if (why) refuse(`${hostname} resolves to ${why}`);
    }
    return addresses[0]!;
  }

  /** Drops the cached allowlist of a tenant (after its owner changed it). */
  forget(tenant: string): void {
    this.allowlists.delete(tenant);
  }

  private allowlistOf(tenant: string): Promise<readonly string[]> {
    const cached = this.allowlists.get(tenant);
    if (cached && Date.now() - cached.at < ALLOWLIST_CACHE_MS) return cached.entries;
    const entries = this.options.allowlist(tenant);
    this.allowlists.set(tenant, { at: Date.now(), entries });
    entries.catch(() => this.allowlists.delete(tenant));
    return entries;
  }

  private async resolve(hostname: string): Promise<Array<{ address: string; family: 4 | 6 }>> {
    const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    if (ipaddr.isValid(bare)) return [{ address: bare, family: bare.includes(':') ? 6 : 4 }];
    if (this.resolver) {
      const [v4, v6] = await Promise.all([this.resolver.resolve4(bare).catch(() => [] as string[]), this.resolver.resolve6(bare).catch(() => [] as string[])]);
      const all = [...v4.map((address) => ({ address, family: 4 as const })), ...v6.map((address) => ({ address, family: 6 as const }))];
      if (!all.length) throw new Error('no A or AAAA record');
      return all;
    }
    const found = await dns.promises.lookup(bare, { all: true });
    if (!found.length) throw new Error('no address');
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  }

  /** One hop, connected to the address that was checked (never resolved again), with the host's name for TLS. */
  private send(
    url: URL,
    port: number,
    method: string,
    headers: Array<[string, string]>,
    body: Uint8Array | undefined,
    address: { address: string; family: 4 | 6 },
    countBytes: (bytes: number) => void,
  ): Promise<Omit<EgressReply, 'url'>> {
    const lookup: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all)
        (callback as unknown as (err: null, addresses: Array<{ address: string; family: number }>) => void)(null, [address]);
      else callback(null, address.address, address.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    const maxBytes = this.limits.maxResponseBytes;
    return new Promise((resolve, reject) => {
      const req = client.request(
        {
          method,
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port,
          path: `${url.pathname}${url.search}`,
          // Raw header pairs keep repeated headers; Node adds no Host to those, so it goes first.
          headers: ['host', url.host, ...headers.flat(), ...(body ? ['content-length', String(body.byteLength)] : [])],
          lookup,
          agent: false,
          servername: ipaddr.isValid(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname,
          timeout: this.limits.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            countBytes(chunk.length);
            if (size > maxBytes) {
              req.destroy(new Error(`the response is larger than ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            const pairs: Array<[string, string]> = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              const name = res.rawHeaders[i]!.toLowerCase();
              if (!HOP_BY_HOP.has(name)) pairs.push([name, res.rawHeaders[i + 1]!]);
            }
            resolve({ status: res.statusCode ?? 502, statusText: res.statusMessage ?? '', headers: pairs, body: new Uint8Array(Buffer.concat(chunks)) });
          });
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${this.limits.timeoutMs} ms`)), this.limits.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.limits.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'ECONNREFUSED' ? `${url.host} refused the connection` : err.message)));
      if (body) countBytes(body.byteLength);
      req.end(body ? Buffer.from(body) : undefined);
    });
  }
}
