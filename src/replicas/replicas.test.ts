import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Forwarder, HolderUnreachable } from './index.ts';

describe('Forwarder', () => {
  let server: http.Server;
  let base = '';
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: one\ndata: 1\n\n');
          setTimeout(() => res.end('event: two\ndata: 2\n\n'), 50);
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end(JSON.stringify({ echoed: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const key = Buffer.alloc(32, 7);

  it('sends the method, path, Host, headers and body, and brings the answer back with every header', async () => {
    const forwarder = new Forwarder(key, 'replica-a');
    const request = new Request('http://localhost:9999/api/tenants/x/tools/t?q=1', {
      method: 'POST',
      headers: { host: 'notes.localhost:9999', 'content-type': 'application/json', cookie: 'tessera_session=s' },
      body: '{"a":1}',
    });
    const answer = await forwarder.forward(request, base, '10.1.2.3');
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ echoed: '{"a":1}' });
    expect(answer.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const got = seen.at(-1)!;
    expect(got).toMatchObject({ method: 'POST', url: '/api/tenants/x/tools/t?q=1', body: '{"a":1}' });
    expect(got.headers.host).toBe('notes.localhost:9999');
    expect(got.headers.cookie).toBe('tessera_session=s');
    // The receiver trusts the client address only with the replicas' proof.
    const receiver = new Forwarder(key, 'replica-b');
    expect(receiver.originalClient(new Headers(got.headers as Record<string, string>))).toBe('10.1.2.3');
    expect(new Forwarder(Buffer.alloc(32, 8), 'other').originalClient(new Headers(got.headers as Record<string, string>))).toBeNull();
    expect(receiver.originalClient(new Headers({ 'x-tessera-forwarded-for': '6.6.6.6', 'x-tessera-forward-proof': 'guess' }))).toBeNull();
    // A proof of the right length but one character off, or with a multi-byte character, is refused too.
    const real = String(got.headers['x-tessera-forward-proof']);
    const offByOne = `${real.slice(0, -1)}${real.endsWith('0') ? '1' : '0'}`;
    expect(receiver.originalClient(new Headers({ 'x-tessera-forwarded-for': '6.6.6.6', 'x-tessera-forward-proof': offByOne }))).toBeNull();
    expect(receiver.originalClient(new Headers({ 'x-tessera-forwarded-for': '6.6.6.6', 'x-tessera-forward-proof': `${real.slice(0, -1)}\u00e9` }))).toBeNull();
    forwarder.close();
  });

  it('streams server-sent events as they come', async () => {
    const forwarder = new Forwarder(key, 'replica-a');
    const answer = await forwarder.forward(new Request('http://localhost:9999/events'), base, '127.0.0.1');
    const reader = answer.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe('event: one\ndata: 1\n\n');
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('event: two\ndata: 2\n\n');
    forwarder.close();
  });

  it('leaves the request whole when the holder cannot be reached, to send it elsewhere', async () => {
    const forwarder = new Forwarder(key, 'replica-a', 300);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const request = new Request('http://localhost:9999/api/tenants/x/tools/t', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"whole":true}',
    });
    await expect(forwarder.forward(request, `http://127.0.0.1:${port}`, '127.0.0.1')).rejects.toBeInstanceOf(HolderUnreachable);
    expect(await request.text()).toBe('{"whole":true}');
    forwarder.close();
  });

  it('says so when the holder stopped while answering: the outcome is unknown', async () => {
    const dying = http.createServer((req) => req.on('data', () => req.socket.destroy()));
    await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', resolve));
    const forwarder = new Forwarder(key, 'replica-a');
    const request = new Request('http://localhost:9999/api/tenants/x/tools/t', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    const failure = await forwarder.forward(request, `http://127.0.0.1:${(dying.address() as AddressInfo).port}`, '127.0.0.1').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(HolderUnreachable);
    forwarder.close();
    await new Promise((resolve) => dying.close(resolve));
  });

  it('cuts the client off when the holder dies in the middle of an answer, instead of leaving it waiting', async () => {
    const upstream = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: one\ndata: 1\n\n');
      setTimeout(() => req.socket.destroy(), 50);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const forwarder = new Forwarder(key, 'replica-a');
    const proxy = http.createServer(
      (req, res) => void forwarder.pipe(req, res, `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, '127.0.0.1').catch(() => res.destroy()),
    );
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const outcome = await new Promise<{ body: string; ended: string }>((resolve) => {
      let body = '';
      http.get(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/events`, (res) => {
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ body, ended: res.complete ? 'complete' : 'cut off' }));
      });
    });
    expect(outcome).toEqual({ body: 'event: one\ndata: 1\n\n', ended: 'cut off' });
    forwarder.close();
    await new Promise((resolve) => proxy.close(resolve));
    await new Promise((resolve) => upstream.close(resolve));
  });
});
