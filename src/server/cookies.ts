/**
 * The builder's cookies (the session, the OIDC sign-in state) and the rule that keeps apps from
 * planting them (cookie tossing: a page on `<app>.<APP_DOMAIN>` may set `Domain=<APP_DOMAIN>` cookies,
 * which the browser then sends to every host under that domain, the builder's included).
 *
 * - Over HTTPS every builder cookie is `__Host-` prefixed: the browser accepts such a cookie only from
 *   this very host (Secure, Path=/, no Domain), so no app can set one, and only that name is read.
 * - Over plain HTTP on a host that shares a parent domain with APP_DOMAIN, the builder refuses
 *   browser sessions altogether (HTTPS_REQUIRED) unless ALLOW_INSECURE_HTTP is set: a plain cookie
 *   cannot tell who set it, and an app's author could plant their own valid session. Bearer tokens
 *   (CLI, scripts) are not cookies and keep working.
 * - With ALLOW_INSECURE_HTTP, a request carrying the session cookie's name twice (the builder's own
 *   and a planted one) has no session: the planted one never wins by being sent first.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { isIP } from 'node:net';
import { SESSION_COOKIE } from '../auth/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';

/** Secure cookies when the builder is reached over HTTPS (directly or behind a proxy that says so). */
export const overHttps = (c: Context): boolean => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

const hostnameOf = (c: Context): string =>
  (c.req.header('host') ?? new URL(c.req.url).host)
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

/**
 * Whether a page under APP_DOMAIN could set a cookie the browser sends to `builderHost`: the two
 * names share a parent of two labels or more (`example.com` for `tessera.example.com` and
 * `notes.apps.example.com`). An IP address takes no domain cookies; browsers refuse `Domain=localhost`.
 * Without the public-suffix list this errs on the safe side (`a.co.uk` and `b.co.uk` count as sharing).
 */
export function appsCanPlantCookies(builderHost: string, appDomain: string): boolean {
  const host = builderHost.toLowerCase();
  if (isIP(host) || host === 'localhost') return false;
  const a = host.split('.').reverse();
  const b = appDomain.toLowerCase().split('.').reverse();
  let shared = 0;
  while (shared < a.length && shared < b.length && a[shared] === b[shared]) shared++;
  return shared >= 2;
}

/** Whether this request's browser may hold a builder session (see the module comment). */
function sessionsAllowed(platform: Platform, c: Context): boolean {
  return overHttps(c) || platform.config.allowInsecureHttp || !appsCanPlantCookies(hostnameOf(c), platform.config.appDomain);
}

/** Throws HTTPS_REQUIRED where a browser session cannot be kept safe from planted cookies. */
export function requireSafeSessions(platform: Platform, c: Context): void {
  if (sessionsAllowed(platform, c)) return;
  throw new TesseraError(
    'HTTPS_REQUIRED',
    `The builder signs browsers in over HTTPS only on ${hostnameOf(c)}: apps under ${platform.config.appDomain} could plant cookies in it over plain HTTP. Serve it through an HTTPS proxy (sending X-Forwarded-Proto: https), or set ALLOW_INSECURE_HTTP=1 if you accept that risk (docs/security.md). API tokens work over HTTP as they are.`,
  );
}

/** `__Host-<name>` over HTTPS (host-only, Secure, Path=/); the plain name over HTTP. */
const cookieName = (c: Context, name: string): string => (overHttps(c) ? `__Host-${name}` : name);

/** Every value of a cookie name in the request (a planted cookie arrives beside the real one). */
export function cookieValues(c: Context, name: string): string[] {
  const values: string[] = [];
  for (const part of (c.req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export const bearerOf = (c: Context): string | undefined => /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];

/** The session the browser holds, or undefined (none, refused on this host, or ambiguous). */
export function readSession(platform: Platform, c: Context): string | undefined {
  if (!sessionsAllowed(platform, c)) return undefined;
  const values = cookieValues(c, cookieName(c, SESSION_COOKIE));
  return values.length === 1 ? decodeURIComponent(values[0]!) : undefined;
}

export function writeSession(platform: Platform, c: Context, session: string, maxAgeSeconds: number): void {
  requireSafeSessions(platform, c);
  setCookie(c, cookieName(c, SESSION_COOKIE), session, { httpOnly: true, sameSite: 'Strict', secure: overHttps(c), path: '/', maxAge: maxAgeSeconds });
}

export function clearSession(c: Context): void {
  deleteCookie(c, cookieName(c, SESSION_COOKIE), { path: '/', secure: overHttps(c) });
}

/**
 * The OIDC sign-in state, kept between leaving for the provider and coming back. Over HTTPS it is
 * `__Host-tessera_oidc` (so Path=/); over HTTP it stays scoped to the callback's path. Lax, not Strict:
 * the provider's redirect back is a cross-site navigation that must carry it.
 */
const OIDC_COOKIE = 'tessera_oidc';
const oidcPath = (c: Context): string => (overHttps(c) ? '/' : '/api/auth/oidc');

export function writeOidcState(c: Context, value: string): void {
  setCookie(c, cookieName(c, OIDC_COOKIE), value, { httpOnly: true, sameSite: 'Lax', secure: overHttps(c), path: oidcPath(c), maxAge: 600 });
}

/** The OIDC state cookie's value, cleared as it is read (each sign-in uses it once). */
export function takeOidcState(c: Context): string | undefined {
  const name = cookieName(c, OIDC_COOKIE);
  const value = getCookie(c, name);
  deleteCookie(c, name, { path: oidcPath(c), secure: overHttps(c) });
  return value;
}
