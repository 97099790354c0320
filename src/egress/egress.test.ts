import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.ts';
import { addressRefusal, allowedBy, checkEgressEntry, EgressProxy } from './index.ts';

describe('egress allowlist', () => {
  it('normalizes and validates entries', () => {
    expect(checkEgressEntry(' API.Example.com ')).toBe('api.example.com');
    expect(checkEgressEntry('*.example.com:8443')).toBe('*.example.com:8443');
    expect(checkEgressEntry('[2001:db8::1]:443')).toBe('[2001:db8::1]:443');
    for (const bad of ['http://api.example.com', 'api.example.com/path', 'a..b', '*.', 'host:99999', '', 'exa mple.com'])
      expect(() => checkEgressEntry(bad), bad).toThrow(/Egress entry/);
  });

  it('matches host, wildcard and port exactly', () => {
    const entries = ['api.example.com', '*.cdn.example.org', 'api.example.net:8443'];
    const match = (url: string) => allowedBy(entries, new URL(url));
    expect(match('https://api.example.com/x')).toBe('api.example.com');
    expect(match('http://api.example.com/x')).toBe('api.example.com');
    expect(match('https://api.example.com:8443/x')).toBeNull();
    expect(match('https://evil-api.example.com/')).toBeNull();
    expect(match('https://api.example.com.evil.io/')).toBeNull();
    expect(match('https://img.cdn.example.org/a.png')).toBe('*.cdn.example.org');
    expect(match('https://cdn.example.org/')).toBeNull();
    expect(match('https://api.example.net:8443/')).toBe('api.example.net:8443');
    expect(match('https://api.example.net/')).toBeNull();
  });

  it('lets only public unicast addresses through (loopback only on the named test ports)', () => {
    expect(addressRefusal('93.184.216.34', 443, [])).toBeNull();
    expect(addressRefusal('2606:4700::1111', 443, [])).toBeNull();
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fc00::1',
      'fd12::1',
      'fe80::1',
      '0.0.0.0',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      '100.64.0.1',
    ]) {
      expect(addressRefusal(address, 80, []), address).not.toBeNull();
    }
    expect(addressRefusal('172.32.0.1', 80, [])).toBeNull();
    expect(addressRefusal('127.0.0.1', 8123, [8123])).toBeNull();
    expect(addressRefusal('127.0.0.1', 8124, [8123])).toMatch(/loopback/);
    expect(addressRefusal('10.0.0.1', 8123, [8123])).toMatch(/private/);
  });
});

describe('egress redirects', () => {
  // Two origins on loopback (the test-only opening for literal 127.0.0.1:<port> entries): "api" redirects, "other" records.
  const seen: Array<{ server: 'api' | 'other'; method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  let api: http.Server;
  let other: http.Server;
  let apiOrigin: string;
  let otherOrigin: string;
  const listen = async (name: 'api' | 'other'): Promise<http.Server> => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ server: name, method: req.method!, url: req.url!, headers: req.headers });
        const to = new URL(req.url!, 'http://x').searchParams.get('to');
        const status = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 307);
        if (to) return void res.writeHead(status, { location: to }).end();
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${name} ok`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  beforeAll(async () => {
    api = await listen('api');
    other = await listen('other');
    apiOrigin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all([api, other].map((server) => new Promise((resolve) => server.close(resolve))));
  });

  const proxy = () => {
    const ports = [api, other].map((server) => (server.address() as AddressInfo).port);
    return new EgressProxy({ allowlist: async () => ports.map((port) => `127.0.0.1:${port}`), limits: resolveConfig({}).egress, loopbackPorts: ports });
  };
  const credentials: Array<[string, string]> = [
    ['authorization', 'Bearer sk_live_secret'],
    ['cookie', 'session=abc'],
    ['proxy-authorization', 'Basic cHJveHk6c2VjcmV0'],
    ['x-request-id', 'r-1'],
    ['content-type', 'application/json'],
  ];

  it('drops Authorization, Cookie and Proxy-Authorization on a redirect to another origin, as fetch does', async () => {
    seen.length = 0;
    const reply = await proxy().request(
      't',
      {
        url: `${apiOrigin}/start?to=${encodeURIComponent(`${otherOrigin}/landed`)}`,
        method: 'POST',
        headers: credentials,
        body: new TextEncoder().encode('{"a":1}'),
      },
      () => undefined,
    );
    expect(reply.status).toBe(200);
    expect(reply.url).toBe(`${otherOrigin}/landed`);
    const [first, second] = seen;
    expect(first!.server).toBe('api');
    expect(first!.headers.authorization).toBe('Bearer sk_live_secret');
    expect(first!.headers.cookie).toBe('session=abc');
    expect(second!.server).toBe('other');
    // 307 keeps the method and body, not the credentials.
    expect(second!.method).toBe('POST');
    expect(second!.headers.authorization).toBeUndefined();
    expect(second!.headers.cookie).toBeUndefined();
    expect(second!.headers['proxy-authorization']).toBeUndefined();
    expect(second!.headers['x-request-id']).toBe('r-1');
  });

  it('keeps them on a redirect within the origin, and drops them for good once the chain has left it', async () => {
    seen.length = 0;
    // api -> api (same origin) -> other -> back to api: credentials reach api twice, never other, and do not come back.
    const back = `${apiOrigin}/back`;
    const viaOther = `${otherOrigin}/hop?to=${encodeURIComponent(back)}`;
    const reply = await proxy().request(
      't',
      {
        url: `${apiOrigin}/start?to=${encodeURIComponent(`/again?to=${encodeURIComponent(viaOther)}`)}`,
        method: 'GET',
        headers: credentials.slice(0, 4),
        body: undefined,
      },
      () => undefined,
    );
    expect(reply.status).toBe(200);
    expect(seen.map((s) => [s.server, s.headers.authorization ?? null])).toEqual([
      ['api', 'Bearer sk_live_secret'],
      ['api', 'Bearer sk_live_secret'],
      ['other', null],
      ['api', null],
    ]);
  });

  it('drops the body and the headers describing it when a 303 turns the request into a GET', async () => {
    seen.length = 0;
    const reply = await proxy().request(
      't',
      { url: `${apiOrigin}/form?status=303&to=%2Fresult`, method: 'POST', headers: credentials, body: new TextEncoder().encode('{"a":1}') },
      () => undefined,
    );
    expect(reply.status).toBe(200);
    const last = seen.at(-1)!;
    expect(last.method).toBe('GET');
    expect(last.headers['content-type']).toBeUndefined();
    expect(last.headers['content-length']).toBeUndefined();
    expect(last.headers.authorization).toBe('Bearer sk_live_secret');
  });
});
