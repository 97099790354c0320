import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';

/** Headers a replica adds to a forwarded request. */
export const FORWARDED_BY = 'x-tessera-forwarded-by';
const FORWARDED_FOR = 'x-tessera-forwarded-for';
const FORWARD_PROOF = 'x-tessera-forward-proof';
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  FORWARDED_BY,
  FORWARDED_FOR,
  FORWARD_PROOF,
]);

/** The holder was not reached: nothing of the request left this replica, so it may go elsewhere. */
export class HolderUnreachable extends Error {
  override readonly name = 'HolderUnreachable';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Forwards requests to other replicas and recognises forwarded ones. The proof (an HMAC of the
 * replicas' shared sealing key) lets the receiver trust the original client address it names, which
 * the sign-in throttle counts by.
 */
export class Forwarder {
  private readonly proof: string;
  private readonly proofBytes: Buffer;
  // noDelay: a forwarded request is one small write; Nagle would hold it for the previous ACK.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, noDelay: true } as http.AgentOptions);

  constructor(
    sealingKey: Buffer,
    private readonly replicaId: string,
    private readonly connectTimeoutMs = 2000,
  ) {
    this.proof = createHmac('sha256', sealingKey).update('tessera replica forwarding v1').digest('hex');
    this.proofBytes = Buffer.from(this.proof, 'latin1');
  }

  /**
   * Whether a request carries the replicas' proof, compared in constant time: `===` stops at the
   * first differing character, so its timing would let a client learn the proof a byte at a time.
   * Lengths are public (the proof is always 64 hex characters), so a length mismatch may return early.
   */
  private carriesProof(headers: Headers): boolean {
    const offered = headers.get(FORWARD_PROOF);
    if (!offered) return false;
    const bytes = Buffer.from(offered, 'latin1');
    return bytes.length === this.proofBytes.length && timingSafeEqual(bytes, this.proofBytes);
  }

  /** The client address a trusted forwarded request names, or null. */
  originalClient(headers: Headers): string | null {
    return this.carriesProof(headers) ? headers.get(FORWARDED_FOR) : null;
  }

  isForwarded(headers: Headers): boolean {
    return headers.has(FORWARDED_BY) && this.originalClient(headers) !== null;
  }

  /** Sends `request` (same method, path, Host and headers, body streamed) to `baseUrl` and streams the answer back. */
  forward(request: Request, baseUrl: string, client: string): Promise<Response> {
    const source = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) headers[name] = value;
    });
    headers.host = request.headers.get('host') ?? source.host;
    return new Promise<Response>((resolve, reject) => {
      this.send(new URL(`${source.pathname}${source.search}`, `${baseUrl}/`), request.method, headers, client, {
        body: (proxied) => {
          if (request.body && request.method !== 'GET' && request.method !== 'HEAD')
            Readable.fromWeb(request.body as import('node:stream/web').ReadableStream).pipe(proxied);
          else proxied.end();
        },
        answer: (incoming) => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined || HOP_BY_HOP.has(name)) continue;
            for (const one of Array.isArray(value) ? value : [value]) answer.append(name, one);
          }
          const status = incoming.statusCode ?? 502;
          const bodyless = request.method === 'HEAD' || status === 204 || status === 304;
          if (bodyless) incoming.resume();
          resolve(new Response(bodyless ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), { status, headers: answer }));
        },
        failed: reject,
      });
    });
  }

  /**
   * The same at the Node level, for a request nobody has read yet: the client's socket is piped to
   * the holder and the holder's answer straight back, with no web-stream conversions on the way.
   * Resolves once the answer's head is written (the body keeps streaming); rejects with
   * HolderUnreachable when nothing was sent (the request is still whole, to send elsewhere).
   */
  pipe(incoming: http.IncomingMessage, outgoing: http.ServerResponse, baseUrl: string, client: string): Promise<void> {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    return new Promise<void>((resolve, reject) => {
      this.send(new URL(incoming.url ?? '/', `${baseUrl}/`), incoming.method ?? 'GET', headers, client, {
        body: (proxied) => {
          // Nothing to stream for a GET: end now rather than wait for the client's (empty) body to end.
          if (incoming.method === 'GET' || incoming.method === 'HEAD') proxied.end();
          else incoming.pipe(proxied);
        },
        answer: (answer) => {
          const head: http.OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) head[name] = value;
          outgoing.writeHead(answer.statusCode ?? 502, head);
          // The head goes out now, not with the first body chunk: a server-sent event stream may be
          // silent for a long time, and its client waits for the head.
          outgoing.flushHeaders();
          answer.pipe(outgoing);
          // The client went away: stop the holder's side too (an SSE stream would otherwise live on).
          outgoing.once('close', () => answer.destroy());
          // The holder went away mid-answer: cut the client off too, rather than leave it waiting for the rest.
          answer.once('close', () => {
            if (!answer.complete) outgoing.destroy();
          });
          resolve();
        },
        failed: (err) => {
          if (outgoing.headersSent) outgoing.destroy(err);
          else reject(err);
        },
      });
    });
  }

  /**
   * One request to the holder. The body is written only once the connection stands, so a holder that
   * cannot be reached (a dead pod: refused, or silent until the connect timeout) leaves the client's
   * request unread, and the caller may send it elsewhere or serve it itself.
   */
  private send(
    target: URL,
    method: string,
    headers: http.OutgoingHttpHeaders,
    client: string,
    handlers: { body(proxied: http.ClientRequest): void; answer(incoming: http.IncomingMessage): void; failed(err: Error): void },
  ): void {
    headers[FORWARDED_BY] = this.replicaId;
    headers[FORWARDED_FOR] = client;
    headers[FORWARD_PROOF] = this.proof;
    let sent = false;
    let answered = false;
    const proxied = http.request(
      { hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers, agent: this.agent },
      (incoming) => {
        answered = true;
        handlers.answer(incoming);
      },
    );
    proxied.once('socket', (socket) => {
      const go = (): void => {
        sent = true;
        handlers.body(proxied);
      };
      if (!socket.connecting) return go();
      const timer = setTimeout(() => proxied.destroy(new Error(`no connection within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        go();
      });
      socket.once('close', () => clearTimeout(timer));
    });
    let failed = false;
    // `on`, not `once`: a second error (the socket's, after a destroy) must not go unhandled.
    proxied.on('error', (err) => {
      if (failed) return;
      failed = true;
      // Not sent, or a GET on a kept-alive connection the holder had closed: nothing took effect there.
      if (!sent || (!answered && SAFE_METHODS.has(method))) handlers.failed(new HolderUnreachable(`${target.host}: ${err.message}`));
      else handlers.failed(err);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
