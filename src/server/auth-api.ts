import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { PendingSignIn } from '../auth/index.ts';
import type { UserRecord } from '../registry/index.ts';
import { clientAddress } from './placement.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { errorResponse } from './errors.ts';
import { bearerOf, clearSession, readSession, requireSafeSessions, takeOidcState, writeOidcState, writeSession } from './cookies.ts';
import { principalOf, routePolicies, type Env } from './policy.ts';
import { signInFailedPage } from './sign-in-page.ts';
import { readBody, readQuery, wholeNumber } from './validate.ts';

/**
 * Every `/api` route but the public ones (mounted ahead of this check) needs a credential: the
 * builder's session cookie or `Authorization: Bearer` (an API token or TESSERA_TOKEN). Without one:
 * 401 with how to get one. With one, handlers find the caller in `c.var.principal`.
 */
export function credentialMiddleware(platform: Platform): MiddlewareHandler<Env> {
  return async function requireCredential(c, next) {
    const principal = await platform.auth.authenticate({ session: readSession(platform, c), bearer: bearerOf(c) });
    if (!principal) {
      return errorResponse(
        c,
        new TesseraError(
          'UNAUTHORIZED',
          'Sign in first: open the builder with the sign-in link printed on the server\'s console (or /?token=<TESSERA_TOKEN>), or send "Authorization: Bearer <API token>" (create one in the builder, then `tessera login`).',
        ),
        platform.logger,
      );
    }
    c.set('principal', principal);
    return next();
  };
}

const userView = (u: UserRecord) => ({
  id: u.id,
  name: u.name,
  email: u.email,
  admin: u.admin,
  hasPassword: u.hasPassword,
  oidc: u.oidc,
  createdAt: u.createdAt,
});

const tokenSignIn = z.object({ token: z.string().min(1) });
const passwordSignIn = z.object({ login: z.string().regex(/\S/, 'expected a user id or email'), password: z.string().min(1) });
const passwordChange = z.object({ current: z.string().optional(), password: z.unknown().optional() });
const newToken = z.object({ name: z.string().optional() });
/** The fields are checked by AuthService (ids, emails, password strength), with its own messages. */
const userFields = z.looseObject({});
const auditQuery = z.object({ before: wholeNumber.optional(), limit: wholeNumber.optional(), tenant: z.string().optional(), project: z.string().optional() });

/** Signing in, and how one may sign in: public, mounted ahead of the credential check. */
export function signInApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { auth } = platform;
  const { publicRoute } = routePolicies(platform);

  api.get('/auth/methods', publicRoute(), (c) =>
    c.json({ password: true, token: true, oidc: platform.oidc ? { label: platform.oidc.settings.label, start: '/api/auth/oidc/start' } : null }),
  );

  api.post('/auth/token', publicRoute(), async function signInWithToken(c) {
    requireSafeSessions(platform, c);
    const body = await readBody(c, tokenSignIn, { hint: 'Send {"token": "..."}: the sign-in link\'s token, an API token or TESSERA_TOKEN.' });
    const { session, user, maxAgeSeconds } = await auth.signIn(body.token, clientAddress(platform, c));
    writeSession(platform, c, session, maxAgeSeconds);
    return c.json({ ok: true, user: userView(user) });
  });

  api.post('/auth/password', publicRoute(), async function signInWithPassword(c) {
    requireSafeSessions(platform, c);
    const body = await readBody(c, passwordSignIn, { hint: 'Send {"login": "<user id or email>", "password": "..."}.' });
    const { session, user, maxAgeSeconds } = await auth.signInWithPassword(body.login, body.password, clientAddress(platform, c));
    writeSession(platform, c, session, maxAgeSeconds);
    return c.json({ ok: true, user: userView(user) });
  });

  api.get('/auth/oidc/start', publicRoute(), async function startOidc(c) {
    if (!platform.oidc) throw new TesseraError('NOT_FOUND', 'No identity provider is configured: set OIDC_ISSUER and OIDC_CLIENT_ID (see README).');
    try {
      requireSafeSessions(platform, c);
      auth.throttle(clientAddress(platform, c));
      const { url, pending } = await platform.oidc.start(`${new URL(c.req.url).origin}/api/auth/oidc/callback`);
      writeOidcState(c, Buffer.from(JSON.stringify(pending)).toString('base64url'));
      return c.redirect(url, 302);
    } catch (err) {
      return signInFailedPage(c, err);
    }
  });

  api.get('/auth/oidc/callback', publicRoute(), async function finishOidc(c) {
    const raw = takeOidcState(c);
    try {
      if (!platform.oidc) throw new TesseraError('NOT_FOUND', 'No identity provider is configured.');
      requireSafeSessions(platform, c);
      auth.throttle(clientAddress(platform, c));
      if (!raw) throw new TesseraError('UNAUTHORIZED', 'This sign-in was not started here (or took longer than 10 minutes): start it again from the builder.');
      const pending = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PendingSignIn;
      const identity = await platform.oidc.finish(new URL(c.req.url).search, pending).catch((err: unknown) => {
        auth.failedAttempt(clientAddress(platform, c));
        throw err;
      });
      const { session, maxAgeSeconds } = await auth.signInExternal(identity);
      writeSession(platform, c, session, maxAgeSeconds);
      c.header('referrer-policy', 'no-referrer');
      return c.redirect('/', 302);
    } catch (err) {
      return signInFailedPage(c, err instanceof SyntaxError ? new TesseraError('UNAUTHORIZED', 'The sign-in state cookie is damaged: start again.') : err);
    }
  });

  return api;
}

/**
 * The signed-in user (`/api/me`, own password, personal API tokens, signing out, invitations), users
 * (admins) and the whole audit log (admins).
 */
export function authApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { auth } = platform;
  const { signedIn, adminOnly, audited } = routePolicies(platform);

  api.post('/auth/logout', audited('auth.logout'), signedIn(), async function signOut(c) {
    const session = readSession(platform, c);
    if (session) await auth.signOut(session);
    clearSession(c);
    return c.json({ ok: true });
  });

  api.get('/me', signedIn(), async function me(c) {
    const { user, via } = principalOf(c);
    const projects = user.admin ? [] : await platform.registry.membershipsOf(user.id);
    return c.json({ ...userView(user), via, projects });
  });

  api.put('/me/password', audited('password.set'), signedIn(), async function changePassword(c) {
    const { user, via } = principalOf(c);
    if (via === 'tessera-token') throw new TesseraError('FORBIDDEN', 'TESSERA_TOKEN has no password; sign in as a user to set one.');
    const body = await readBody(c, passwordChange, { hint: 'Send {"current": "...", "password": "..."}.' });
    await auth.changePassword(user.id, body.current, body.password);
    return c.json({ ok: true });
  });

  api.get('/tokens', signedIn(), async function listTokens(c) {
    const { user } = principalOf(c);
    return c.json({ tokens: (await auth.listApiTokens(user.id)).map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt })) });
  });

  api.post('/tokens', audited('token.create'), signedIn(), async function createToken(c) {
    const { user, via } = principalOf(c);
    if (via === 'tessera-token')
      throw new TesseraError('FORBIDDEN', 'TESSERA_TOKEN is for scripts: sign in to the builder (/?token=...) to create personal API tokens.');
    const body = await readBody(c, newToken, { hint: 'Give the token a name, e.g. {"name": "laptop CLI"}.' });
    return c.json(await auth.createApiToken(user.id, body.name ?? ''), 201);
  });

  api.delete('/tokens/:id', audited('token.delete', { target: 'id' }), signedIn(), async function revokeToken(c) {
    const { user } = principalOf(c);
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id)) throw new TesseraError('INVALID_ARGUMENTS', 'A token id is a number.');
    await auth.revokeApiToken(user.id, id);
    return c.json({ ok: true, id });
  });

  // ---- invitations to projects (the invitee's side; owners invite through /tenants/:id/members) ----

  const invitationView = (i: { id: string; tenant: string; role: string; invitedBy: string; createdAt: string }) => ({
    id: i.id,
    tenant: i.tenant,
    role: i.role,
    invitedBy: i.invitedBy,
    createdAt: i.createdAt,
  });

  api.get('/invitations', signedIn(), async function listInvitations(c) {
    return c.json({ invitations: (await auth.invitationsOf(principalOf(c).user)).map(invitationView) });
  });

  api.post(
    '/invitations/:id/accept',
    audited('invitation.accept', { target: 'id', projectInAnswer: 'tenant' }),
    signedIn(),
    async function acceptInvitation(c) {
      const accepted = await auth.acceptInvitation(principalOf(c).user, c.req.param('id'));
      return c.json({ ok: true, ...invitationView(accepted) });
    },
  );

  api.post(
    '/invitations/:id/decline',
    audited('invitation.decline', { target: 'id', projectInAnswer: 'tenant' }),
    signedIn(),
    async function declineInvitation(c) {
      const declined = await auth.declineInvitation(principalOf(c).user, c.req.param('id'));
      return c.json({ ok: true, ...invitationView(declined) });
    },
  );

  // ---- admins ----
  const signInUrl = (c: Context, token: string) => `${new URL(c.req.url).origin}/?token=${token}`;

  api.get('/users', adminOnly(), async function listUsers(c) {
    const users = await auth.listUsers();
    return c.json({ users: await Promise.all(users.map(async (u) => ({ ...userView(u), projects: await platform.registry.membershipsOf(u.id) }))) });
  });

  api.post('/users', audited('user.create'), adminOnly(), async function createUser(c) {
    const { user, signInToken } = await auth.createUser(await readBody(c, userFields));
    return c.json({ user: userView(user), signInUrl: signInUrl(c, signInToken) }, 201);
  });

  api.patch('/users/:id', audited('user.update', { target: 'id' }), adminOnly(), async function updateUser(c) {
    return c.json({ user: userView(await auth.updateUser(c.req.param('id'), await readBody(c, userFields), principalOf(c))) });
  });

  api.delete('/users/:id', audited('user.delete', { target: 'id' }), adminOnly(), async function deleteUser(c) {
    await auth.deleteUser(c.req.param('id'), principalOf(c));
    return c.json({ ok: true, id: c.req.param('id') });
  });

  /** A new one-time sign-in link for a user (first sign-in, or a forgotten password). */
  api.post('/users/:id/sign-in-link', audited('user.sign-in-link', { target: 'id' }), adminOnly(), async function newSignInLink(c) {
    const user = await platform.registry.getUser(c.req.param('id'));
    if (!user) throw new TesseraError('USER_NOT_FOUND', `No user "${c.req.param('id')}".`);
    return c.json({ user: user.id, signInUrl: signInUrl(c, await auth.createSignInLink(user.id)) }, 201);
  });

  api.get('/audit', adminOnly(), async function wholeAuditLog(c) {
    const query = readQuery(c, auditQuery);
    const before = Number(query.before ?? 0) || undefined;
    // `tenant`: every project that had this id (deleted ones included); `project`: one of them.
    const { tenant, project } = query;
    return c.json({
      entries: await platform.audit.list({
        ...(tenant ? { tenant } : {}),
        ...(project ? { project } : {}),
        limit: Number(query.limit ?? 100),
        ...(before ? { before } : {}),
      }),
    });
  });

  return api;
}
