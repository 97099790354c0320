/**
 * Signing in and knowing who calls: the builder's session cookie, a personal API token or
 * `TESSERA_TOKEN` as `Authorization: Bearer`, one-time sign-in links (`/?token=`) that turn into a
 * session, passwords, and identity-provider accounts (oidc.ts).
 */
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from '../audit/index.ts';
import type { CredentialKind, CredentialStore, UserRecord, UserStore } from '../registry/index.ts';
import { checkPasswordStrength, DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';
import { newSecret, sameSecret, sha256, TOKEN_ADMIN, type ExternalIdentity, type Principal, type SignedIn } from './principal.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

const SESSION_TTL_MS = 7 * 24 * 3600_000;
const LINK_TTL_MS = 24 * 3600_000;
/** How stale a token's "last used" may get: one write a minute per token, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

// What a restart really offers: a new link is printed on the first start only (main.ts), so the
// ways back in are another link from an admin, a password or API token, or TESSERA_TOKEN.
const INVALID_TOKEN =
  'This sign-in token is not valid: it is unknown, expired, revoked or already used. Sign in with your password or an API token, or ask an admin for a new link (`tessera users link <id>`); locked out, set TESSERA_TOKEN, restart the server and open /?token=<TESSERA_TOKEN>.';

export interface SessionDeps {
  registry: UserStore & CredentialStore;
  fixedToken?: string;
  logger: Logger;
  audit: AuditLog;
  throttle: SignInThrottle;
}

export class Sessions {
  constructor(private readonly deps: SessionDeps) {}

  /**
   * On first start with no users: creates the owner and returns a one-time sign-in link token
   * (printed on the console, as Jupyter does). Null when users exist already.
   */
  async bootstrap(): Promise<{ user: UserRecord; linkToken: string } | null> {
    if ((await this.deps.registry.countUsers(TOKEN_ADMIN.id)) > 0) return null;
    const user = { id: 'owner', name: 'owner', admin: true };
    try {
      await this.deps.registry.addUser(user);
    } catch (err) {
      // Another replica starting at the same moment made the owner (and printed the link): not us.
      if (await this.deps.registry.getUser(user.id)) return null;
      throw err;
    }
    const linkToken = await this.createSignInLink(user.id);
    return { user: (await this.deps.registry.getUser(user.id))!, linkToken };
  }

  /** A one-time link token for a user, valid for a day. */
  async createSignInLink(userId: string): Promise<string> {
    const token = newSecret('tsl');
    await this.deps.registry.addCredential({ kind: 'sign-in-link', userId, secretHash: sha256(token), expiresAt: new Date(Date.now() + LINK_TTL_MS) });
    return token;
  }

  /**
   * Signs in with a token sent in a request body (a sign-in link's, an API token, or TESSERA_TOKEN)
   * and returns a new session's cookie value. A link works once. `kinds` narrows what is accepted:
   * a token in a URL may be a link or TESSERA_TOKEN only (see userOfUrlToken).
   */
  async signIn(token: string, client: string, kinds: CredentialKind[] = ['sign-in-link', 'api-token']): Promise<SignedIn> {
    this.deps.throttle.check(client);
    const user = await this.userOfToken(token, kinds);
    if (!user) {
      this.deps.throttle.failed(client);
      throw new TesseraError('UNAUTHORIZED', INVALID_TOKEN);
    }
    if (user.id === TOKEN_ADMIN.id && !(await this.deps.registry.getUser(TOKEN_ADMIN.id))) {
      // TESSERA_TOKEN signs a browser in as the built-in admin, which needs a row for its session.
      await this.deps.registry.addUser({ id: TOKEN_ADMIN.id, name: TOKEN_ADMIN.name, admin: true }).catch(() => undefined);
    }
    return this.startSession(user, 'token');
  }

  /**
   * Who a token in a URL (`/?token=`) would sign in, without using it up: a sign-in link's user, or
   * the built-in admin for TESSERA_TOKEN. API tokens are refused in URLs, where they would stay in
   * histories and logs. Unknown tokens count towards the throttle.
   */
  async userOfUrlToken(token: string, client: string): Promise<UserRecord> {
    this.deps.throttle.check(client);
    if (this.deps.fixedToken && sameSecret(token, this.deps.fixedToken)) return TOKEN_ADMIN;
    const found = await this.deps.registry.findCredential(sha256(token), ['sign-in-link', 'api-token']);
    if (found?.kind === 'api-token') {
      throw new TesseraError(
        'UNAUTHORIZED',
        'API tokens are not accepted in a URL (it stays in the browser\'s history and in logs): paste it into the sign-in page\'s token field, or send it as "Authorization: Bearer"; consider revoking this one.',
      );
    }
    const user = found ? await this.deps.registry.getUser(found.userId) : null;
    if (!user) {
      this.deps.throttle.failed(client);
      throw new TesseraError('UNAUTHORIZED', INVALID_TOKEN);
    }
    return user;
  }

  /**
   * Signs in with a user id or email and a password. Throttled per address (every attempt) and per
   * account (wrong passwords): the 11th within a minute gets TOO_MANY_ATTEMPTS, right or wrong.
   */
  async signInWithPassword(login: string, password: string, client: string): Promise<SignedIn> {
    this.deps.throttle.check(client);
    const key = login.trim().toLowerCase();
    this.deps.throttle.checkAccount(key);
    const user = key.includes('@') ? await this.deps.registry.findUser({ email: key }) : await this.deps.registry.getUser(key);
    const stored = user ? await this.deps.registry.passwordHash(user.id) : null;
    // An unknown account costs the same hash as a known one, so response times do not say which ids exist.
    const matches = await verifyPassword(password, stored ?? DUMMY_HASH);
    if (!user || !stored || !matches) {
      this.deps.throttle.wrongPassword(key);
      this.deps.throttle.failed(client);
      await this.deps.audit.record({
        actor: user?.id ?? key.slice(0, 100),
        via: 'password',
        action: 'auth.sign-in',
        outcome: 'refused',
        detail: { method: 'password', client },
      });
      throw new TesseraError('UNAUTHORIZED', 'Wrong user or password.');
    }
    this.deps.throttle.rightPassword(key);
    return this.startSession(user, 'password');
  }

  /**
   * Signs in an identity-provider account: the user who has its subject; else the user invited with
   * its (verified) email, who is linked to it; else a new user with no projects yet.
   */
  async signInExternal(identity: ExternalIdentity): Promise<SignedIn> {
    const email = identity.email && identity.emailVerified ? identity.email.toLowerCase() : null;
    let user = await this.deps.registry.findUser({ oidcSubject: identity.subject });
    if (!user && email) {
      const invited = await this.deps.registry.findUser({ email });
      if (invited && !invited.oidc) {
        await this.deps.registry.updateUser(invited.id, { oidcSubject: identity.subject });
        user = invited;
      }
    }
    if (!user) {
      const base =
        (identity.preferredUsername ?? email?.split('@')[0] ?? 'user')
          .toLowerCase()
          .replace(/[^a-z0-9._-]+/g, '-')
          .replace(/^[^a-z0-9]+/, '')
          .slice(0, 50) || 'user';
      let id = base === TOKEN_ADMIN.id ? `${base}-1` : base;
      for (let n = 2; await this.deps.registry.getUser(id); n++) id = `${base}-${n}`;
      await this.deps.registry.addUser({
        id,
        name: identity.name ?? id,
        admin: false,
        email: email && !(await this.deps.registry.findUser({ email })) ? email : null,
        oidcSubject: identity.subject,
      });
      user = (await this.deps.registry.getUser(id))!;
      await this.deps.audit.record({ actor: id, via: 'oidc', action: 'user.create', target: id, detail: { method: 'oidc' } });
    }
    return this.startSession(user, 'oidc');
  }

  /** Sets a user's own password; the current one is needed when there is one. */
  async changePassword(userId: string, current: unknown, next: unknown): Promise<void> {
    const password = checkPasswordStrength(next);
    const stored = await this.deps.registry.passwordHash(userId);
    if (stored && (typeof current !== 'string' || !(await verifyPassword(current, stored))))
      throw new TesseraError('UNAUTHORIZED', 'The current password is wrong.');
    if (!(await this.deps.registry.updateUser(userId, { passwordHash: await hashPassword(password) })))
      throw new TesseraError('USER_NOT_FOUND', `No user "${userId}".`);
  }

  async signOut(session: string): Promise<void> {
    const found = await this.deps.registry.findCredential(sha256(session), ['session']);
    if (found) await this.deps.registry.revokeCredential(found.userId, { id: found.id });
  }

  /** The principal of a request's credential, or null: a session cookie, or a bearer token. */
  async authenticate(credential: { session?: string; bearer?: string }): Promise<Principal | null> {
    if (credential.bearer) {
      if (this.deps.fixedToken && sameSecret(credential.bearer, this.deps.fixedToken)) return { user: TOKEN_ADMIN, via: 'tessera-token' };
      const found = await this.deps.registry.findCredentialUser(sha256(credential.bearer), ['api-token']);
      if (!found) return null;
      const lastUsed = found.credential.lastUsedAt;
      if (!lastUsed || Date.now() - Date.parse(lastUsed) > LAST_USED_RESOLUTION_MS)
        void this.deps.registry.useCredential(found.credential.id, false).catch(() => undefined);
      return { user: found.user, via: 'api-token' };
    }
    if (credential.session) {
      const found = await this.deps.registry.findCredentialUser(sha256(credential.session), ['session']);
      return found ? { user: found.user, via: 'session' } : null;
    }
    return null;
  }

  private async startSession(user: UserRecord, method: string): Promise<SignedIn> {
    const session = newSecret('tss');
    await this.deps.registry.addCredential({ kind: 'session', userId: user.id, secretHash: sha256(session), expiresAt: new Date(Date.now() + SESSION_TTL_MS) });
    this.deps.logger.info({ user: user.id, method }, 'signed in');
    await this.deps.audit.record({ actor: user.id, via: method, action: 'auth.sign-in', detail: { method } });
    return { session, user, maxAgeSeconds: SESSION_TTL_MS / 1000 };
  }

  private async userOfToken(token: string, kinds: CredentialKind[]): Promise<UserRecord | null> {
    if (this.deps.fixedToken && sameSecret(token, this.deps.fixedToken)) return TOKEN_ADMIN;
    const found = await this.deps.registry.findCredential(sha256(token), kinds);
    if (!found) return null;
    // A link is spent by its first use (the update is atomic: two racing uses, one wins).
    if (!(await this.deps.registry.useCredential(found.id, found.kind === 'sign-in-link'))) return null;
    return this.deps.registry.getUser(found.userId);
  }
}
