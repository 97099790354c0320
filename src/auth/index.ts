/**
 * Who is calling the control plane. Credentials: the builder's session cookie, a personal API token
 * or `TESSERA_TOKEN` as `Authorization: Bearer`, and one-time sign-in links (`/?token=`), which
 * turn into a session. Every secret is stored as its sha256 only; TESSERA_TOKEN is compared in
 * constant time and never stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { CredentialKind, CredentialRecord, Registry, UserRecord } from '../registry/index.ts';

export const SESSION_COOKIE = 'tessera_session';
const SESSION_TTL_MS = 7 * 24 * 3600_000;
const LINK_TTL_MS = 24 * 3600_000;
/** Sign-in attempts per client address per minute before 429. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/** Who a request acts for. `admin` may do everything. */
export interface Principal {
  user: UserRecord;
  /** How the request proved it: a session cookie, an API token, or TESSERA_TOKEN. */
  via: 'session' | 'api-token' | 'tessera-token';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** The built-in administrator TESSERA_TOKEN acts as (not a row: the token is configuration). */
const TOKEN_ADMIN: UserRecord = { id: 'admin', name: 'admin (TESSERA_TOKEN)', admin: true, createdAt: new Date(0).toISOString() };

/** Constant-time comparison of two secrets of any length (their digests have one length). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** How stale a token's "last used" may get: one write a minute per token, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class AuthService {
  private readonly attempts = new Map<string, { windowStart: number; count: number }>();

  constructor(private readonly deps: { registry: Registry; fixedToken?: string; logger: Logger }) {}

  /**
   * On first start with no users: creates the owner and returns a one-time sign-in link token
   * (printed on the console, as Jupyter does). Null when users exist already.
   */
  async bootstrap(): Promise<{ user: UserRecord; linkToken: string } | null> {
    if ((await this.deps.registry.countUsers(TOKEN_ADMIN.id)) > 0) return null;
    const user = { id: 'owner', name: 'owner', admin: true };
    await this.deps.registry.addUser(user);
    const linkToken = await this.createSignInLink(user.id);
    return { user: (await this.deps.registry.getUser(user.id))!, linkToken };
  }

  /** A one-time link token for a user, valid for a day. */
  async createSignInLink(userId: string): Promise<string> {
    const token = newSecret('tsl');
    await this.deps.registry.addCredential({ kind: 'sign-in-link', userId, secretHash: sha256(token), expiresAt: new Date(Date.now() + LINK_TTL_MS) });
    return token;
  }

  /** Refuses the 11th attempt of a client within a minute (sign-in links, token sign-in). */
  throttle(client: string): void {
    const now = Date.now();
    const entry = this.attempts.get(client);
    if (!entry || now - entry.windowStart >= 60_000) {
      if (this.attempts.size > 10_000) this.attempts.clear();
      this.attempts.set(client, { windowStart: now, count: 1 });
      return;
    }
    entry.count++;
    if (entry.count > SIGN_IN_ATTEMPTS_PER_MINUTE) throw new TesseraError('TOO_MANY_ATTEMPTS', `Too many sign-in attempts from this address; wait a minute and try again.`);
  }

  /**
   * Signs in with a token (a sign-in link's, an API token, or TESSERA_TOKEN) and returns a new
   * session's cookie value. A link works once.
   */
  async signIn(token: string, client: string): Promise<{ session: string; user: UserRecord; maxAgeSeconds: number }> {
    this.throttle(client);
    const user = await this.userOfToken(token, ['sign-in-link', 'api-token']);
    if (!user) throw new TesseraError('UNAUTHORIZED', 'This sign-in token is not valid: it is unknown, expired, revoked or already used. Start the server again for a new link, or use TESSERA_TOKEN or an API token.');
    if (user.id === TOKEN_ADMIN.id && !(await this.deps.registry.getUser(TOKEN_ADMIN.id))) {
      // TESSERA_TOKEN signs a browser in as the built-in admin, which needs a row for its session.
      await this.deps.registry.addUser({ id: TOKEN_ADMIN.id, name: TOKEN_ADMIN.name, admin: true }).catch(() => undefined);
    }
    const session = newSecret('tss');
    await this.deps.registry.addCredential({ kind: 'session', userId: user.id, secretHash: sha256(session), expiresAt: new Date(Date.now() + SESSION_TTL_MS) });
    this.deps.logger.info({ user: user.id }, 'signed in');
    return { session, user, maxAgeSeconds: SESSION_TTL_MS / 1000 };
  }

  async signOut(session: string): Promise<void> {
    const found = await this.deps.registry.findCredential(sha256(session), ['session']);
    if (found) await this.deps.registry.revokeCredential(found.userId, { id: found.id });
  }

  /** The principal of a request's credential, or null: a session cookie, or a bearer token. */
  async authenticate(credential: { session?: string; bearer?: string }): Promise<Principal | null> {
    if (credential.bearer) {
      if (this.deps.fixedToken && sameSecret(credential.bearer, this.deps.fixedToken)) return { user: TOKEN_ADMIN, via: 'tessera-token' };
      const found = await this.deps.registry.findCredential(sha256(credential.bearer), ['api-token']);
      if (found) {
        const user = await this.deps.registry.getUser(found.userId);
        if (user) {
          if (!found.lastUsedAt || Date.now() - Date.parse(found.lastUsedAt) > LAST_USED_RESOLUTION_MS) void this.deps.registry.useCredential(found.id, false).catch(() => undefined);
          return { user, via: 'api-token' };
        }
      }
      return null;
    }
    if (credential.session) {
      const found = await this.deps.registry.findCredential(sha256(credential.session), ['session']);
      const user = found ? await this.deps.registry.getUser(found.userId) : null;
      return user ? { user, via: 'session' } : null;
    }
    return null;
  }

  /** A new personal API token, returned once; only its hash is kept. */
  async createApiToken(userId: string, name: string): Promise<{ id: number; name: string; token: string }> {
    const clean = name.trim().slice(0, 100);
    if (!clean) throw new TesseraError('INVALID_ARGUMENTS', 'Give the token a name, e.g. {"name": "laptop CLI"}.');
    const token = newSecret('tsk');
    const id = await this.deps.registry.addCredential({ kind: 'api-token', userId, name: clean, secretHash: sha256(token) });
    this.deps.logger.info({ user: userId, token: id }, 'API token created');
    return { id, name: clean, token };
  }

  listApiTokens(userId: string): Promise<CredentialRecord[]> {
    return this.deps.registry.listCredentials(userId, 'api-token');
  }

  async revokeApiToken(userId: string, id: number): Promise<void> {
    if (!(await this.deps.registry.revokeCredential(userId, { id }))) throw new TesseraError('NOT_FOUND', `You have no API token ${id}.`);
    this.deps.logger.info({ user: userId, token: id }, 'API token revoked');
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
