import type { MiddlewareHandler } from 'hono';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { errorResponse } from './errors.ts';

/**
 * Which tenant a Host header addresses: `notes.localhost:3000` -> "notes"; the bare domain (or
 * an IP) -> null, meaning the builder's own origin.
 */
export function tenantFromHost(host: string | undefined, appDomain: string): string | null {
  if (!host) return null;
  const name = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${appDomain}`;
  if (!name.endsWith(suffix)) return null;
  return name.slice(0, -suffix.length);
}

/** Host names this server answers to, without the port. */
export function isServedHost(hostname: string, appDomain: string, publicHosts: readonly string[]): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === appDomain || name.endsWith(`.${appDomain}`) || name === '127.0.0.1' || name === '[::1]' || name === 'localhost' || publicHosts.includes(name);
}

/**
 * DNS rebinding defence: a page on evil.example whose name now resolves to 127.0.0.1 still sends
 * `Host: evil.example`. Anything but the names we serve gets 421 Misdirected Request.
 */
export function hostAllowlistMiddleware(appDomain: string, publicHosts: readonly string[], logger: Logger): MiddlewareHandler {
  return async function hostAllowlist(c, next) {
    const host = c.req.header('host') ?? '';
    const hostname = host.replace(/:\d+$/, '');
    if (!isServedHost(hostname, appDomain, publicHosts)) {
      return errorResponse(
        c,
        new TesseraError('MISDIRECTED_HOST', `This server does not serve "${hostname}". Use http://localhost or add the name to PUBLIC_HOSTS.`),
        logger,
      );
    }
    return next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * No cross-site writes on the control plane: generated apps are hostile pages in the same browser.
 * A state-changing request must carry a JSON content type (a no-cors fetch or a form cannot) and,
 * when the browser says where it comes from, come from the builder's own origin.
 */
export function sameOriginWritesMiddleware(
  logger: Logger,
  surface: { what: string; whose: string } = { what: 'the control API', whose: "the builder's own" },
): MiddlewareHandler {
  return async function sameOriginWrites(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const own = `http://${c.req.header('host') ?? ''}`;
    const ownSecure = `https://${c.req.header('host') ?? ''}`;
    if (site && site !== 'same-origin' && site !== 'none') {
      return errorResponse(
        c,
        new TesseraError('CROSS_SITE_REFUSED', `Refused a ${site} ${c.req.method} to ${surface.what}: only ${surface.whose} pages may change things.`),
        logger,
      );
    }
    if (origin && origin !== own && origin !== ownSecure) {
      return errorResponse(
        c,
        new TesseraError('CROSS_SITE_REFUSED', `Refused a ${c.req.method} from origin ${origin}: only ${surface.whose} origin may change things.`),
        logger,
      );
    }
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const hasBody = c.req.method !== 'DELETE' || Number(c.req.header('content-length') ?? 0) > 0;
    if (hasBody && type !== 'application/json') {
      return errorResponse(
        c,
        new TesseraError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${surface.what[0]!.toUpperCase()}${surface.what.slice(1)} takes JSON only: send "Content-Type: application/json" (got "${type || 'none'}").`,
        ),
        logger,
      );
    }
    return next();
  };
}
