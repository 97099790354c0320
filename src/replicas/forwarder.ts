import { createHmac } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';

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
