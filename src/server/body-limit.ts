import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../config.ts';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { errorResponse } from './errors.ts';
import { tenantFromHost } from './guards.ts';

const MiB = 1024 * 1024;
/** The read path (`/api/serving/*`) takes small JSON (a deploy names a tenant and a version). */
export const READ_PATH_MAX_BODY_BYTES = MiB;
/** `/data/v1/*` carries SQL and its parameters from functions on Fission: room for a function's whole body, base64-encoded. */
const DATA_API_MIN_BODY_BYTES = 4 * MiB;
/** How long a refused client may go on sending (discarded) after its 413, so that it reads the 413 rather than a reset. */
const LINGER_MS = 1000;

/** The largest body a route takes, and what to call it in the 413. */
export interface BodyLimit {
  bytes: number;
  /** e.g. "the control API (API_MAX_BODY_BYTES)" */
  what: string;
}

/**
 * Which limit applies to a request: functions on an app origin, tool calls, the read path, the data
 * endpoint, and everything else of the control API. One table, so no route is left without one.
 */
export function bodyLimitOf(config: Pick<Config, 'appDomain' | 'functions' | 'http'>, host: string | undefined, pathname: string): BodyLimit {
  if (tenantFromHost(host, config.appDomain) !== null) {
    if (pathname.startsWith('/api/')) return { bytes: config.functions.maxRequestBytes, what: "the app's functions (FUNCTION_MAX_BODY_BYTES)" };
    return { bytes: config.http.maxBodyBytes, what: "the app's pages (API_MAX_BODY_BYTES)" };
  }
  if (/^\/api\/tenants\/[^/]+\/tools\/[^/]+\/?$/.test(pathname)) return { bytes: config.http.maxToolCallBytes, what: 'tool calls (TOOL_CALL_MAX_BODY_BYTES)' };
  if (pathname.startsWith('/api/serving/')) return { bytes: READ_PATH_MAX_BODY_BYTES, what: 'the read path' };
  if (pathname.startsWith('/data/')) return { bytes: Math.max(DATA_API_MIN_BODY_BYTES, 2 * config.functions.maxRequestBytes), what: 'the data endpoint' };
  return { bytes: config.http.maxBodyBytes, what: 'the control API (API_MAX_BODY_BYTES)' };
}

function tooLarge(limit: BodyLimit, declared?: string): TesseraError {
  const size =
    declared === undefined ? 'The request body (sent without a Content-Length, counted as it came) is' : `The request body declares ${declared} bytes,`;
  return new TesseraError('PAYLOAD_TOO_LARGE', `${size} over the ${limit.bytes}-byte limit of ${limit.what}. Nothing was changed.`, {
    details: { limit: limit.bytes },
  });
}

/**
 * Every request body is bounded in two steps, both mounted in app.ts. This one runs first, before
 * the replicas' placement, and looks at headers only: a declared `Content-Length` over the route's
 * limit is answered 413 at once, nothing read. It must not touch the body: placement may hand the
 * untouched Node stream to the replica holding the tenant (which applies its own limits).
 */
export function declaredBodyLimitMiddleware(config: Pick<Config, 'appDomain' | 'functions' | 'http'>, logger: Logger): MiddlewareHandler {
  return async function declaredBodyLimit(c: Context, next) {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding') !== undefined) return next();
    const limit = bodyLimitOf(config, c.req.header('host'), c.req.path);
    // Node's parser holds the body to exactly Content-Length bytes, so the header is the size.
    if (Number(declared) > limit.bytes) return closing(c, errorResponse(c, tooLarge(limit, declared), logger));
    return next();
  };
}

/**
 * The second step, once the request is known to be answered here: a body without a declared length
 * (chunked) is counted as it streams, and the read (c.req.text(), arrayBuffer()...) fails the moment
 * it passes the limit, so no handler ever holds more. Either step's 413 says `Connection: close`:
 * the server stops reading instead of draining an endless body.
 */
export function streamedBodyLimitMiddleware(config: Pick<Config, 'appDomain' | 'functions' | 'http'>): MiddlewareHandler {
  return async function streamedBodyLimit(c: Context, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || (c.req.header('content-length') !== undefined && c.req.header('transfer-encoding') === undefined))
      return next();
    const body = c.req.raw.body;
    if (!body) return next();
    const limit = bodyLimitOf(config, c.req.header('host'), c.req.path);
    let size = 0;
    let exceeded = false;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          if (size > limit.bytes) {
            exceeded = true;
            // The reader rejects with this error; errorResponse renders it.
            controller.error(tooLarge(limit));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: 'half' } as RequestInit);
    await next();
    if (exceeded) c.res = closing(c, c.res);
  };
}

/**
 * The JSON of a body, read from a copy so the handler still gets it, or null when it is not JSON or
 * passes `maxBytes` (a chunked body has not been bounded yet when placement peeks at it).
 */
export async function peekJson(request: Request, maxBytes: number): Promise<unknown> {
  const reader = request.clone().body?.getReader();
  if (!reader) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) return null;
      chunks.push(value);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** The same answer, saying `Connection: close`; Node closes the socket once it is sent. */
function closing(c: Context, response: Response): Response {
  lingerBeforeClosing(c);
  try {
    response.headers.set('connection', 'close');
    return response;
  } catch {
    // Immutable headers (a fetched Response): copy them.
    const headers = new Headers(response.headers);
    headers.set('connection', 'close');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/**
 * Node closes the socket of a `Connection: close` answer with `destroySoon()`: at once, with the
 * client's unread body still arriving, which makes the kernel send a reset that can overtake the 413.
 * This socket instead half-closes after the answer and is destroyed a moment later (or when the
 * client closes first), which is how HTTP servers close on a client still sending.
 */
function lingerBeforeClosing(c: Context): void {
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket as (Socket & { destroySoon?: () => void }) | undefined;
  if (!socket) return;
  socket.destroySoon = function lingeringClose(this: Socket): void {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}
