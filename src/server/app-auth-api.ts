/**
 * `/_tessera/auth/*` on an app's own origin (`<app>.` and `draft.<app>.`): the app's users sign up,
 * in and out, ask who they are, and reset a password (docs/app-users.md). Writes are JSON only and
 * same-origin only (guards.ts), bodies go through zod, failures are `{"error":{"code","message"}}`.
 * Only the app's own session cookie counts here: the builder's session and API tokens never act as
 * an app user, and a session of another app is not found (sessions are per tenant).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { EMAIL } from '../auth/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { clearAppSession, readAppSession, writeAppSession } from './app-cookies.ts';
import { overHttps } from './cookies.ts';
import { errorResponse } from './errors.ts';
import { sameOriginWritesMiddleware } from './guards.ts';
import { publicRoute } from './policy.ts';
import { readBody } from './validate.ts';
import { resetPage } from './app-auth-page.ts';

const email = z.string().trim().max(254).regex(EMAIL, 'expected an email address');
/** The length rule is the service's (WEAK_PASSWORD); this only bounds what is hashed. */
const password = z.string().max(1000);
const signUpBody = z.object({ email, password, name: z.string().max(200).optional() });
const signInBody = z.object({ email, password });
const resetBody = z.object({ email });
const confirmBody = z.object({ token: z.string().min(1).max(200), password });

/** What the app origin (tenant-app.ts) hands these routes: whose app, and the client's address for the throttle. */
export interface AppAuthBindings {
  tenant: { id: string };
  client: string;
}

type AppContext = Context<{ Bindings: AppAuthBindings }>;

/** The app's origin as the request reached it (the Host is one this server serves, for this app). */
function originOf(c: AppContext): string {
  return `${overHttps(c) ? 'https' : 'http'}://${c.req.header('host') ?? new URL(c.req.url).host}`;
}

const NO_STORE = { 'cache-control': 'no-store' } as const;
/** An email, a password and a name fit in far less: nothing bigger is parsed. */
const BODY_LIMIT = 16 * 1024;

/** Signing in is open to anyone who reaches the app. */
const publicAuthRoute = publicRoute<{ Bindings: AppAuthBindings }>;

export function appAuthApi(platform: Platform): Hono<{ Bindings: AppAuthBindings }> {
  const api = new Hono<{ Bindings: AppAuthBindings }>();
  const { appUsers, logger } = platform;

  api.onError((err, c) => errorResponse(c, err, logger));
  api.use('/_tessera/auth/*', sameOriginWritesMiddleware(logger, { what: "this app's sign-in", whose: "the app's own" }));

  api.post('/_tessera/auth/signup', publicAuthRoute(), async function signUp(c) {
    const body = await readBody(c, signUpBody, { limitBytes: BODY_LIMIT, hint: 'Send {"email": "...", "password": "...", "name": "..."}.' });
    const signedIn = await appUsers.signUp(c.env.tenant.id, body, c.env.client);
    writeAppSession(c, signedIn.session, signedIn.maxAgeSeconds);
    return c.json({ user: signedIn.user }, 201, NO_STORE);
  });

  api.post('/_tessera/auth/signin', publicAuthRoute(), async function signIn(c) {
    const body = await readBody(c, signInBody, { limitBytes: BODY_LIMIT, hint: 'Send {"email": "...", "password": "..."}.' });
    const signedIn = await appUsers.signIn(c.env.tenant.id, body, c.env.client);
    writeAppSession(c, signedIn.session, signedIn.maxAgeSeconds);
    return c.json({ user: signedIn.user }, 200, NO_STORE);
  });

  api.post('/_tessera/auth/signout', publicAuthRoute(), async function signOut(c) {
    await appUsers.signOut(c.env.tenant.id, readAppSession(c));
    clearAppSession(c);
    return c.body(null, 204, NO_STORE);
  });

  api.get('/_tessera/auth/me', publicAuthRoute(), async function me(c) {
    const user = await appUsers.userOfSession(c.env.tenant.id, readAppSession(c));
    if (!user) throw new TesseraError('SIGN_IN_REQUIRED', 'Not signed in to this app: sign in (POST /_tessera/auth/signin) or sign up first.');
    return c.json({ user }, 200, NO_STORE);
  });

  api.post('/_tessera/auth/reset', publicAuthRoute(), async function requestReset(c) {
    const body = await readBody(c, resetBody, { limitBytes: BODY_LIMIT, hint: 'Send {"email": "..."}.' });
    await appUsers.requestReset(c.env.tenant.id, body.email, originOf(c), c.env.client);
    return c.json({ ok: true }, 202, NO_STORE);
  });

  api.post('/_tessera/auth/reset/confirm', publicAuthRoute(), async function confirmReset(c) {
    const body = await readBody(c, confirmBody, { limitBytes: BODY_LIMIT, hint: 'Send {"token": "<from the link>", "password": "<the new one>"}.' });
    const signedIn = await appUsers.confirmReset(c.env.tenant.id, body.token, body.password);
    writeAppSession(c, signedIn.session, signedIn.maxAgeSeconds);
    return c.json({ user: signedIn.user }, 200, NO_STORE);
  });

  // The link of the reset mail: a plain page that asks for the new password (the kit's own comes later).
  api.get('/_tessera/auth/reset', publicAuthRoute(), function resetForm(c) {
    return c.html(resetPage(c.env.tenant.id), 200, {
      ...NO_STORE,
      'referrer-policy': 'no-referrer',
      // No other page may frame it (a password field under someone else's clicks).
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'",
    });
  });

  return api;
}
