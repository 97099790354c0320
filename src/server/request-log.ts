import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log.ts';
import type { Env } from './policy.ts';

/** Request ids a client or another replica may hand on (hono's request-id middleware takes the same). */
const REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * One log line per request (method, path, status, ms, request id), and the request's id in the
 * `x-request-id` answer header and in every log line of the request: handlers log with
 * `c.var.logger`, a child bound to `{ reqId }`. A request forwarded by another replica keeps the id
 * that replica gave it, so the two replicas' lines match.
 */
export function requestLogMiddleware(logger: Logger): MiddlewareHandler<Env> {
  return async function requestLog(c, next) {
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    const log = logger.child({ reqId: requestId });
    c.set('requestId', requestId);
    c.set('logger', log);
    const started = performance.now();
    await next();
    const ms = Math.round(performance.now() - started);
    // Piped to the replica holding the tenant: that replica answered (and logged) the request.
    if (c.res.headers.get('x-hono-already-sent')) {
      log.info({ method: c.req.method, path: c.req.path, forwarded: true, ms }, 'request forwarded');
      return;
    }
    // An app's function may answer with an x-request-id of its own: that one stays.
    if (!c.res.headers.has('x-request-id')) {
      try {
        c.res.headers.set('x-request-id', requestId);
      } catch {
        // Immutable headers (a fetched Response, as from a forwarded request): copy them.
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set('x-request-id', requestId);
      }
    }
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request');
  };
}
