import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE, type Principal } from '../auth/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { errorResponse, readJsonBody } from './errors.ts';

/** Who made the request, for handlers after authMiddleware. */
const principals = new WeakMap<Request, Principal>();
export function principalOf(c: Context): Principal {
  const principal = principals.get(c.req.raw);
  if (!principal) throw new TesseraError('UNAUTHORIZED', 'Not signed in.');
  return principal;
}

function clientOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const bearerOf = (c: Context): string | undefined => /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];

/** Secure cookies when the builder is reached over HTTPS (directly or behind a proxy that says so). */
const overHttps = (c: Context): boolean => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

function setSession(c: Context, session: string, maxAge: number): void {
  setCookie(c, SESSION_COOKIE, session, { httpOnly: true, sameSite: 'Strict', secure: overHttps(c), path: '/', maxAge });
}

/** Routes anyone may call without a credential: signing in. */
const PUBLIC_API = new Set(['POST /api/auth/token']);

/**
 * Every `/api` route needs a credential: the builder's session cookie or `Authorization: Bearer`
 * (an API token or TESSERA_TOKEN). Without one: 401 with how to get one.
 */
export function authMiddleware(platform: Platform): MiddlewareHandler {
  return async function requireCredential(c, next) {
    if (PUBLIC_API.has(`${c.req.method} ${c.req.path}`)) return next();
    // The read path answers what live apps already show the world, and deploys there need the deploy
    // token (its own check, as on the cluster, where these are public Fission routes).
    if (c.req.path.startsWith('/api/serving/')) return next();
    const principal = await platform.auth.authenticate({ session: getCookie(c, SESSION_COOKIE), bearer: bearerOf(c) });
    if (!principal) {
      return errorResponse(
        c,
        new TesseraError('UNAUTHORIZED', 'Sign in first: open the builder with the sign-in link printed on the server\'s console (or /?token=<TESSERA_TOKEN>), or send "Authorization: Bearer <API token>" (create one in the builder, then `tessera login`).'),
        platform.logger,
      );
    }
    principals.set(c.req.raw, principal);
    return next();
  };
}

/**
 * `GET /?token=<token>`: signs the browser in (a session cookie, HttpOnly, SameSite=Strict) and
 * redirects to `/` so the token leaves the address bar and the history.
 */
export async function signInWithLink(platform: Platform, c: Context, token: string): Promise<Response> {
  try {
    const { session, maxAgeSeconds } = await platform.auth.signIn(token, clientOf(c));
    setSession(c, session, maxAgeSeconds);
    c.header('referrer-policy', 'no-referrer');
    return c.redirect('/', 302);
  } catch (err) {
    const error = err instanceof TesseraError ? err : new TesseraError('UNAUTHORIZED', 'Sign-in failed.');
    return c.html(
      `<!doctype html><title>Tessera: sign-in failed</title><body style="font-family:system-ui,sans-serif;max-width:560px;margin:4rem auto"><h1>Sign-in failed</h1><p>${error.message.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</p><p><a href="/">Back to the builder</a></p></body>`,
      error.status as 401 | 429,
      { 'referrer-policy': 'no-referrer' },
    );
  }
}

/** `/api/me`, sign-in with a pasted token, sign-out, and personal API tokens. */
export function authApi(platform: Platform): Hono {
  const api = new Hono();
  const { auth } = platform;

  api.post('/auth/token', async function signInWithToken(c) {
    const body = (await readJsonBody(c)) as { token?: unknown };
    if (typeof body.token !== 'string' || !body.token) throw new TesseraError('INVALID_ARGUMENTS', 'Send {"token": "..."}: the sign-in link\'s token, an API token or TESSERA_TOKEN.');
    const { session, user, maxAgeSeconds } = await auth.signIn(body.token, clientOf(c));
    setSession(c, session, maxAgeSeconds);
    return c.json({ ok: true, user: { id: user.id, name: user.name, admin: user.admin } });
  });

  api.post('/auth/logout', async function signOut(c) {
    const session = getCookie(c, SESSION_COOKIE);
    if (session) await auth.signOut(session);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  api.get('/me', (c) => {
    const { user, via } = principalOf(c);
    return c.json({ id: user.id, name: user.name, admin: user.admin, via });
  });

  api.get('/tokens', async function listTokens(c) {
    const { user } = principalOf(c);
    return c.json({ tokens: (await auth.listApiTokens(user.id)).map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt })) });
  });

  api.post('/tokens', async function createToken(c) {
    const { user, via } = principalOf(c);
    if (via === 'tessera-token') throw new TesseraError('FORBIDDEN', 'TESSERA_TOKEN is for scripts: sign in to the builder (/?token=...) to create personal API tokens.');
    const body = (await readJsonBody(c)) as { name?: unknown };
    return c.json(await auth.createApiToken(user.id, typeof body.name === 'string' ? body.name : ''), 201);
  });

  api.delete('/tokens/:id', async function revokeToken(c) {
    const { user } = principalOf(c);
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id)) throw new TesseraError('INVALID_ARGUMENTS', 'A token id is a number.');
    await auth.revokeApiToken(user.id, id);
    return c.json({ ok: true, id });
  });

  return api;
}
