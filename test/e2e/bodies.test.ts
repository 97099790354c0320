import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.ts';

const root = path.resolve(import.meta.dirname, '../..');
const MiB = 1024 * 1024;
const token = `bodies-test-token-${process.pid}-0123456789`;

interface PushResult {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** Bytes of body written before the server closed the connection (or all of them). */
  sent: number;
  /** The server closed the connection (we never ended it). */
  closedByServer: boolean;
}

/**
 * A raw HTTP/1.1 POST whose body is pushed as fast as the server takes it: `declared` sends a
 * Content-Length of that many bytes, otherwise the body is chunked. `total` bytes at most (Infinity:
 * an endless body). Resolves when the server has answered and closed, or `total` went out and the
 * answer came.
 */
function pushBody(
  port: number,
  options: { path: string; host?: string; declared?: number; total: number; contentType?: string; headers?: Record<string, string> },
): Promise<PushResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let sent = 0;
    let finished = false;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const head = [
      `POST ${options.path} HTTP/1.1`,
      `Host: ${options.host ?? `localhost:${port}`}`,
      `Content-Type: ${options.contentType ?? 'application/json'}`,
      ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      options.declared === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${options.declared}`,
      '',
      '',
    ].join('\r\n');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within 30 s (sent ${sent} bytes)`));
    }, 30_000);
    const pump = (): void => {
      while (!socket.destroyed && sent < options.total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, options.total - sent));
        sent += piece.length;
        const more = socket.write(
          options.declared === undefined ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece,
        );
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!socket.destroyed && options.declared === undefined) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
    socket.on('data', (data) => received.push(data));
    // EPIPE / ECONNRESET: the server stopped reading, as it should; the answer already came.
    socket.on('error', () => undefined);
    const settle = (closedByServer: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('utf8');
      const [headText = '', bodyText = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      let body: unknown = bodyText;
      try {
        body = JSON.parse(bodyText);
      } catch {}
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body, sent, closedByServer });
      socket.destroy();
    };
    socket.on('close', () => settle(true));
    // A body the server took in whole: its answer is complete when its Content-Length has arrived.
    socket.on('data', () => {
      const text = Buffer.concat(received).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text)?.[1];
      if (sent >= options.total && end !== -1 && length !== undefined && Buffer.byteLength(text) - end - 4 >= Number(length)) settle(false);
    });
  });
}

/** Resident memory of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('request bodies are bounded on every route', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bodies-'));
  let child: ChildProcess;
  let port: number;
  let base: string;
  const api = (method: string, route: string, body?: unknown) =>
    fetch(`${base}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  beforeAll(async () => {
    port = await freePort();
    base = `http://localhost:${port}`;
    // The server as `npm start` runs it, in a process of its own whose memory can be read.
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        TESSERA_TOKEN: token,
        FUNCTION_MAX_BODY_BYTES: String(64 * 1024),
      },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 150_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {}
      if (Date.now() > deadline) throw new Error('server did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await api('POST', '/api/tenants', { id: 'bodies' })).status).toBe(201);
    const fn = await api('POST', '/api/tenants/bodies/tools/createBackendFunction', {
      name: 'echo',
      code: 'module.exports = async (context) => ({ status: 200, body: { length: JSON.stringify(context.request.body ?? null).length } });',
    });
    expect(fn.status, await fn.clone().text()).toBe(200);
  }, 200_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a 256 MB unauthenticated sign-in body 413 from its Content-Length, without reading it or growing', async () => {
    const before = rssOf(child.pid!);
    const answer = await pushBody(port, { path: '/api/auth/token', declared: 256 * MiB, total: 256 * MiB });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(answer.body.error.details.limit).toBe(MiB);
    expect(answer.headers.connection).toBe('close');
    expect(answer.closedByServer).toBe(true);
    // The server stopped reading at once: what went out is what the sockets' buffers took.
    expect(answer.sent).toBeLessThan(64 * MiB);
    expect(rssOf(child.pid!) - before).toBeLessThan(48 * MiB);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('cuts an endless chunked body at the limit: 413, connection closed, memory flat, still serving', async () => {
    const before = rssOf(child.pid!);
    // Every route that reads its body (the data endpoint refuses a request without its token before reading: below).
    for (const route of ['/api/auth/token', '/api/serving/releases', '/api/tenants/bodies/tools/updateUILayout', '/api/tenants']) {
      const answer = await pushBody(port, { path: route, total: Number.POSITIVE_INFINITY, headers: { authorization: `Bearer ${token}` } });
      expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBe(413);
      expect(answer.body.error.code, route).toBe('PAYLOAD_TOO_LARGE');
      expect(answer.headers.connection, route).toBe('close');
      expect(answer.closedByServer, route).toBe(true);
      expect(answer.sent, route).toBeLessThan(64 * MiB);
    }
    const data = await pushBody(port, { path: '/data/v1/bodies', declared: 64 * MiB, total: 64 * MiB });
    expect(data.status).toBe(413);
    expect(data.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(rssOf(child.pid!) - before).toBeLessThan(48 * MiB);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await api('GET', '/api/tenants/bodies')).status).toBe(200);
  });

  it('takes up to 4 MiB for a tool call and 1 MiB elsewhere on the control API', async () => {
    // JSON whitespace: the same arguments, a body of any size.
    const padded = (args: object, bytes: number) => JSON.stringify(args).replace(/^\{/, `{${' '.repeat(bytes)}`);
    const code = 'module.exports = async () => ({ status: 200, body: { big: true } });\n';
    const big = await api('POST', '/api/tenants/bodies/tools/createBackendFunction', padded({ name: 'big', code }, 3 * MiB));
    expect(big.status, await big.clone().text()).toBe(200);
    const tooBig = await api('POST', '/api/tenants/bodies/tools/createBackendFunction', padded({ name: 'huge', code }, 5 * MiB));
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 4 * MiB } });
    const functions = (await (await api('GET', '/api/tenants/bodies/functions')).json()).functions.map((f: { name: string }) => f.name);
    expect(functions.sort()).toEqual(['big', 'echo']);
    // The same 3 MiB on an ordinary control route is over its 1 MiB.
    const project = await api('POST', '/api/tenants', padded({ id: 'padded' }, 3 * MiB));
    expect(project.status).toBe(413);
    expect((await api('GET', '/api/tenants/padded')).status).toBe(404);
  });

  it("bounds a function's body by FUNCTION_MAX_BODY_BYTES, declared or chunked", async () => {
    const host = `draft.bodies.localhost:${port}`;
    // The draft answers a member's token (its preview grant), as a script sends it.
    const headers = { authorization: `Bearer ${token}` };
    const small = await pushBody(port, { path: '/api/echo', host, headers, declared: 1000, total: 1000, contentType: 'text/plain' });
    expect(small.status).toBe(200);
    for (const declared of [64 * 1024 + 1, undefined]) {
      const answer = await pushBody(port, {
        path: '/api/echo',
        host,
        headers,
        ...(declared === undefined ? {} : { declared }),
        total: 200 * 1024,
        contentType: 'text/plain',
      });
      expect(answer.status).toBe(413);
      expect(answer.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 64 * 1024 } });
      expect(answer.body.error.message).toContain('FUNCTION_MAX_BODY_BYTES');
    }
  });
});
