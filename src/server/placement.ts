import type { IncomingMessage, ServerResponse } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, MiddlewareHandler } from 'hono';
import { TesseraError } from '../errors.ts';
import { tenantIdSchema } from '../names.ts';
import type { Platform } from '../platform.ts';
import { HolderUnreachable } from '../replicas/index.ts';
import { peekJson, READ_PATH_MAX_BODY_BYTES } from './body-limit.ts';
import { tenantFromHost } from './guards.ts';

/** The address of the client, as the first replica saw it when the request was forwarded. */
export function clientAddress(platform: Platform, c: Context): string {
  const forwarded = platform.forwarder?.originalClient(c.req.raw.headers);
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The tenant a request's route is about, as the route declares it (policy.ts `tenantOfRoute`). */
export type RouteTenant = (method: string, path: string) => string | null;

/**
 * The tenant a request is about, when it is about one: an app origin (`<app>.` or `draft.<app>.`),
 * a route that declares one (a project route's `:id`, the data route's `:tenant`), or a deploy
 * through the read path (which names it in its JSON body). Creating a tenant takes its lease in
 * TenantManager.create, after the request was authenticated.
 */
async function tenantOfRequest(c: Context, appDomain: string, routeTenant: RouteTenant): Promise<{ tenant: string; bodyRead: boolean } | null> {
  const label = tenantFromHost(c.req.header('host'), appDomain);
  if (label !== null) return { tenant: label.startsWith('draft.') ? label.slice('draft.'.length) : label, bodyRead: false };
  const declared = routeTenant(c.req.method, c.req.path);
  if (declared !== null) return { tenant: declared, bodyRead: false };
  if (c.req.method === 'POST' && c.req.path === '/api/serving/releases') {
    // A declared length was bounded already; a chunked body is read only up to the read path's limit.
    const body = (await peekJson(c.req.raw, READ_PATH_MAX_BODY_BYTES)) as { tenant?: unknown } | null;
    return typeof body?.tenant === 'string' ? { tenant: body.tenant, bodyRead: true } : null;
  }
  return null;
}

/** The Node request and response under a Hono context, when it came through the Node server. */
function nodeObjects(c: Context): { incoming: IncomingMessage; outgoing: ServerResponse } | null {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  return env?.incoming && env.outgoing ? { incoming: env.incoming, outgoing: env.outgoing } : null;
}

/**
 * With several replicas: a request about a tenant another replica holds goes there (streamed both
 * ways); one about a tenant nobody holds takes its lease here. Requests about no tenant (the builder,
 * sign-in, listings, the read path's reads) are answered by whichever replica got them.
 */
export function placementMiddleware(platform: Platform, routeTenant: () => RouteTenant): MiddlewareHandler {
  const { placement, forwarder } = platform;
  return async function placeTenant(c, next) {
    if (!placement.replicated || !forwarder) return next();
    const found = await tenantOfRequest(c, platform.config.appDomain, routeTenant());
    // Only existing tenants get a lease here: an anonymous request must not make lease rows.
    if (!found || !tenantIdSchema.safeParse(found.tenant).success) return next();
    const { tenant } = found;
    // A holder that does not answer (its pod died) keeps its lease until it runs out; the request
    // waits for that and is then served here, rather than failing: at most about two lease times.
    const ttl = platform.config.replica?.leaseTtlMs ?? 15_000;
    const deadline = performance.now() + 2 * ttl;
    let unreachable: string | null = null;
    for (;;) {
      // Held here or seen held elsewhere a moment ago: no query. Otherwise the registry says whether
      // the tenant exists (this node's view of the shared volume may lag) before a lease is taken.
      let where = placement.peek(tenant);
      if (!where) {
        if (!(await platform.tenants.known(tenant))) return next();
        where = await placement.locate(tenant);
      }
      if (where.local) return next();
      // A forwarded request that lands on a replica that is not the holder either: the lease is
      // moving. Refuse rather than bounce it around.
      if (forwarder.isForwarded(c.req.raw.headers)) break;
      if (where.holder === unreachable) {
        const left = placement.forgetRemote(tenant);
        if (performance.now() + left > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, left + 50));
        unreachable = null;
        continue;
      }
      try {
        const node = found.bodyRead ? null : nodeObjects(c);
        if (node) {
          await forwarder.pipe(node.incoming, node.outgoing, where.url, clientAddress(platform, c));
          return RESPONSE_ALREADY_SENT;
        }
        return await forwarder.forward(c.req.raw, where.url, clientAddress(platform, c));
      } catch (err) {
        if (!(err instanceof HolderUnreachable)) {
          throw new TesseraError(
            'TENANT_UNAVAILABLE',
            `The replica serving "${tenant}" stopped while answering; the request may or may not have taken effect there. Look (e.g. the app's history) before sending it again.`,
          );
        }
        platform.logger.warn({ tenant, holder: where.holder, err: err.message }, 'holder of the tenant did not answer');
        placement.forgetRemote(tenant);
        unreachable = where.holder;
      }
    }
    throw new TesseraError('TENANT_UNAVAILABLE', `The app "${tenant}" is moving between replicas; nothing was changed. Retry in a few seconds.`);
  };
}
