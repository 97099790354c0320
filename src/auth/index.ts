/**
 * Who is calling the control plane. Credentials: the builder's session cookie, a personal API token
 * or `TESSERA_TOKEN` as `Authorization: Bearer`, and one-time sign-in links (`/?token=`), which
 * turn into a session. Every secret is stored as its sha256 only; TESSERA_TOKEN is compared in
 * constant time and never stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from '../audit/index.ts';
import type { CredentialKind, CredentialRecord, InvitationRecord, Registry, Role, UserRecord } from '../registry/index.ts';
import { checkPasswordStrength, DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';
import { atLeast, isRole, ROLE_ABILITIES } from './roles.ts';
import { AttemptWindows } from './throttle.ts';

export { atLeast, isRole, ROLE_ABILITIES, ROLES, TOOL_CALL, type Role } from './roles.ts';
export { OidcSignIn, type OidcSettings } from './oidc.ts';

export const SESSION_COOKIE = 'tessera_session';
const SESSION_TTL_MS = 7 * 24 * 3600_000;
const LINK_TTL_MS = 24 * 3600_000;
/** Sign-in attempts per client address per minute before 429. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

export interface SignedIn {
  session: string;
  user: UserRecord;
  maxAgeSeconds: number;
}

/** What adding a member did: changed a member's role (or an admin added directly), or sent an invitation. */
export type MemberChange = { userId: string; role: Role } | { invited: string; role: Role };

/** Who a request acts for. `admin` may do everything. */
export interface Principal {
  user: UserRecord;
  /** How the request proved it: a session cookie, an API token, or TESSERA_TOKEN; `agent` for the agent acting for its user. */
  via: 'session' | 'api-token' | 'tessera-token' | 'agent';
}

/** An account at an identity provider, as the OIDC sign-in saw it. */
export interface ExternalIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  preferredUsername: string | null;
}

const INVALID_TOKEN = 'This sign-in token is not valid: it is unknown, expired, revoked or already used. Start the server again for a new link, or use TESSERA_TOKEN or an API token.';

/** User ids: what people type in `tessera members add`, so short and plain. */
const USER_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkUserId(id: unknown): string {
  if (typeof id !== 'string' || !USER_ID.test(id)) throw new TesseraError('INVALID_ARGUMENTS', 'A user id is 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "ada" or "ada.lovelace").');
  if (id === TOKEN_ADMIN.id) throw new TesseraError('INVALID_ARGUMENTS', `"${id}" is reserved for TESSERA_TOKEN.`);
  return id;
}

function checkEmail(email: unknown): string | null {
  if (email === undefined || email === null || email === '') return null;
  if (typeof email !== 'string' || !EMAIL.test(email) || email.length > 254) throw new TesseraError('INVALID_ARGUMENTS', `"${String(email)}" is not an email address.`);
  return email.toLowerCase();
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** The built-in administrator TESSERA_TOKEN acts as (not a row: the token is configuration). */
const TOKEN_ADMIN: UserRecord = { id: 'admin', name: 'admin (TESSERA_TOKEN)', admin: true, createdAt: new Date(0).toISOString(), email: null, hasPassword: false, oidc: false };

/** Constant-time comparison of two secrets of any length (their digests have one length). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** How stale a token's "last used" may get: one write a minute per token, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class AuthService {
  /** Failed sign-ins per client address, and wrong passwords per account. */
  private readonly attempts = new AttemptWindows(SIGN_IN_ATTEMPTS_PER_MINUTE);
  private readonly wrongPasswords = new AttemptWindows(SIGN_IN_ATTEMPTS_PER_MINUTE);

  constructor(private readonly deps: { registry: Registry; fixedToken?: string; logger: Logger; audit: AuditLog }) {}

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
   * Refuses a client that failed to sign in 10 times within a minute (wrong links, tokens, passwords):
   * its 11th attempt gets TOO_MANY_ATTEMPTS, right or wrong. Successful sign-ins do not count.
   */
  throttle(client: string): void {
    if (this.attempts.locked(client)) {
      throw new TesseraError('TOO_MANY_ATTEMPTS', `Too many failed sign-in attempts from this address; wait a minute and try again.`);
    }
  }

  /** Counts a failed sign-in of a client towards its throttle. */
  failedAttempt(client: string): void {
    this.attempts.fail(client);
  }

  /**
   * Signs in with a token sent in a request body (a sign-in link's, an API token, or TESSERA_TOKEN)
   * and returns a new session's cookie value. A link works once. `kinds` narrows what is accepted:
   * a token in a URL may be a link or TESSERA_TOKEN only (see userOfUrlToken).
   */
  async signIn(token: string, client: string, kinds: CredentialKind[] = ['sign-in-link', 'api-token']): Promise<SignedIn> {
    this.throttle(client);
    const user = await this.userOfToken(token, kinds);
    if (!user) {
      this.failedAttempt(client);
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
    this.throttle(client);
    if (this.deps.fixedToken && sameSecret(token, this.deps.fixedToken)) return TOKEN_ADMIN;
    const found = await this.deps.registry.findCredential(sha256(token), ['sign-in-link', 'api-token']);
    if (found?.kind === 'api-token') {
      throw new TesseraError('UNAUTHORIZED', 'API tokens are not accepted in a URL (it stays in the browser\'s history and in logs): paste it into the sign-in page\'s token field, or send it as "Authorization: Bearer"; consider revoking this one.');
    }
    const user = found ? await this.deps.registry.getUser(found.userId) : null;
    if (!user) {
      this.failedAttempt(client);
      throw new TesseraError('UNAUTHORIZED', INVALID_TOKEN);
    }
    return user;
  }

  /**
   * Signs in with a user id or email and a password. Throttled per address (every attempt) and per
   * account (wrong passwords): the 11th within a minute gets TOO_MANY_ATTEMPTS, right or wrong.
   */
  async signInWithPassword(login: string, password: string, client: string): Promise<SignedIn> {
    this.throttle(client);
    const key = login.trim().toLowerCase();
    if (this.wrongPasswords.locked(key)) {
      throw new TesseraError('TOO_MANY_ATTEMPTS', 'Too many wrong passwords for this account; wait a minute and try again.');
    }
    const user = key.includes('@') ? await this.deps.registry.findUser({ email: key }) : await this.deps.registry.getUser(key);
    const stored = user ? await this.deps.registry.passwordHash(user.id) : null;
    // An unknown account costs the same hash as a known one, so response times do not say which ids exist.
    const matches = await verifyPassword(password, stored ?? DUMMY_HASH);
    if (!user || !stored || !matches) {
      this.wrongPasswords.fail(key);
      this.failedAttempt(client);
      await this.deps.audit.record({ actor: user?.id ?? key.slice(0, 100), via: 'password', action: 'auth.sign-in', outcome: 'refused', detail: { method: 'password', client } });
      throw new TesseraError('UNAUTHORIZED', 'Wrong user or password.');
    }
    this.wrongPasswords.forget(key);
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
      const base = (identity.preferredUsername ?? email?.split('@')[0] ?? 'user').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 50) || 'user';
      let id = base === TOKEN_ADMIN.id ? `${base}-1` : base;
      for (let n = 2; await this.deps.registry.getUser(id); n++) id = `${base}-${n}`;
      await this.deps.registry.addUser({ id, name: identity.name ?? id, admin: false, email: email && !(await this.deps.registry.findUser({ email })) ? email : null, oidcSubject: identity.subject });
      user = (await this.deps.registry.getUser(id))!;
      await this.deps.audit.record({ actor: id, via: 'oidc', action: 'user.create', target: id, detail: { method: 'oidc' } });
    }
    return this.startSession(user, 'oidc');
  }

  private async startSession(user: UserRecord, method: string): Promise<SignedIn> {
    const session = newSecret('tss');
    await this.deps.registry.addCredential({ kind: 'session', userId: user.id, secretHash: sha256(session), expiresAt: new Date(Date.now() + SESSION_TTL_MS) });
    this.deps.logger.info({ user: user.id, method }, 'signed in');
    await this.deps.audit.record({ actor: user.id, via: method, action: 'auth.sign-in', detail: { method } });
    return { session, user, maxAgeSeconds: SESSION_TTL_MS / 1000 };
  }

  /** Sets a user's own password; the current one is needed when there is one. */
  async changePassword(userId: string, current: unknown, next: unknown): Promise<void> {
    const password = checkPasswordStrength(next);
    const stored = await this.deps.registry.passwordHash(userId);
    if (stored && (typeof current !== 'string' || !(await verifyPassword(current, stored)))) throw new TesseraError('UNAUTHORIZED', 'The current password is wrong.');
    if (!(await this.deps.registry.updateUser(userId, { passwordHash: await hashPassword(password) }))) throw new TesseraError('USER_NOT_FOUND', `No user "${userId}".`);
  }

  // ---- users (admins) ----

  /** A new user, with a one-time sign-in link to hand them (and a password when one is given). */
  async createUser(input: { id?: unknown; name?: unknown; email?: unknown; admin?: unknown; password?: unknown }): Promise<{ user: UserRecord; signInToken: string }> {
    const id = checkUserId(input.id);
    const email = checkEmail(input.email);
    const name = typeof input.name === 'string' && input.name.trim() ? input.name.trim().slice(0, 100) : id;
    const passwordHash = input.password === undefined || input.password === null || input.password === '' ? null : await hashPassword(checkPasswordStrength(input.password));
    await this.deps.registry.addUser({ id, name, email, admin: input.admin === true, passwordHash });
    return { user: (await this.deps.registry.getUser(id))!, signInToken: await this.createSignInLink(id) };
  }

  async updateUser(id: string, patch: { name?: unknown; email?: unknown; admin?: unknown }, by: Principal): Promise<UserRecord> {
    if (patch.admin === false && id === by.user.id) throw new TesseraError('FORBIDDEN', 'You cannot take your own admin role: another admin has to.');
    const changes: { name?: string; email?: string | null; admin?: boolean } = {};
    if (typeof patch.name === 'string' && patch.name.trim()) changes.name = patch.name.trim().slice(0, 100);
    if (patch.email !== undefined) changes.email = checkEmail(patch.email);
    if (typeof patch.admin === 'boolean') changes.admin = patch.admin;
    if (!(await this.deps.registry.updateUser(id, changes))) throw new TesseraError('USER_NOT_FOUND', `No user "${id}".`);
    return (await this.deps.registry.getUser(id))!;
  }

  /** Deletes a user: every session and token of theirs stops working at once. */
  async deleteUser(id: string, by: Principal): Promise<void> {
    if (id === by.user.id) throw new TesseraError('FORBIDDEN', 'You cannot delete yourself: another admin has to.');
    const owned = (await this.deps.registry.membershipsOf(id)).filter((m) => m.role === 'owner');
    for (const { tenant } of owned) {
      if ((await this.deps.registry.listMembers(tenant)).filter((m) => m.role === 'owner').length === 1) {
        throw new TesseraError('LAST_OWNER', `"${id}" is the only owner of project "${tenant}": make someone else its owner first.`);
      }
    }
    if (!(await this.deps.registry.removeUser(id))) throw new TesseraError('USER_NOT_FOUND', `No user "${id}".`);
  }

  listUsers(): Promise<UserRecord[]> {
    return this.deps.registry.listUsers();
  }

  // ---- roles ----

  /** A principal's role in a project: admins are owners everywhere; others by membership. */
  async roleIn(principal: Principal, tenant: string): Promise<Role | null> {
    if (principal.user.admin) return 'owner';
    return this.deps.registry.roleOf(tenant, principal.user.id);
  }

  /** Throws FORBIDDEN unless the principal has at least `needed` in the project. */
  async requireRole(principal: Principal, tenant: string, needed: Role, doing: string): Promise<Role> {
    const role = await this.roleIn(principal, tenant);
    if (atLeast(role, needed)) return role!;
    if (!role) throw new TesseraError('FORBIDDEN', `You (${principal.user.id}) are not a member of project "${tenant}". An owner of it can add you.`);
    throw new TesseraError('FORBIDDEN', `You are ${role === 'editor' ? 'an' : 'a'} ${role} of "${tenant}": ${doing} needs ${needed} (${needed}s ${ROLE_ABILITIES[needed]}). Ask an owner of the project.`, { details: { role, needed } });
  }

  /**
   * Adds someone to a project, or changes a member's role (at once). Anyone not yet a member gets an
   * invitation, addressed to the id or email as typed whether or not such an account exists, and the
   * answer is the same either way: it tells nobody who has an account here, and nobody lands in a
   * project without saying yes. An admin may add an existing account directly (`direct`).
   */
  async setMember(tenant: string, who: unknown, role: unknown, by: Principal, direct = false): Promise<MemberChange> {
    if (!isRole(role)) throw new TesseraError('INVALID_ARGUMENTS', 'A role is "owner", "editor" or "viewer".');
    if (typeof who !== 'string' || !who.trim()) throw new TesseraError('INVALID_ARGUMENTS', 'Name the member by user id or email.');
    const key = who.trim().toLowerCase();
    if (!(USER_ID.test(key) || (EMAIL.test(key) && key.length <= 254))) throw new TesseraError('INVALID_ARGUMENTS', `"${who}" is neither a user id nor an email address.`);
    if (direct && !by.user.admin) throw new TesseraError('FORBIDDEN', 'Only an admin may add a member directly; others invite (leave out "direct").');
    const user = key.includes('@') ? await this.deps.registry.findUser({ email: key }) : await this.deps.registry.getUser(key);
    // Looked up for every name, account or not, so both answers take the same queries.
    const current = await this.deps.registry.roleOf(tenant, user?.id ?? key);
    if ((user && current) || direct) {
      if (!user || user.id === TOKEN_ADMIN.id) throw new TesseraError('USER_NOT_FOUND', `No user "${who}": an admin creates the account first (Users, or \`tessera users add\`), or they sign in once with the identity provider.`);
      if (role !== 'owner') await this.keepAnOwner(tenant, user.id);
      await this.deps.registry.setMembership(tenant, user.id, role);
      return { userId: user.id, role };
    }
    await this.deps.registry.invite(tenant, key, role, by.user.id);
    return { invited: key, role };
  }

  /** The addresses an invitation to `user` may carry: their id and their email. */
  private addressesOf(user: UserRecord): string[] {
    return user.email ? [user.id, user.email.toLowerCase()] : [user.id];
  }

  /** Invitations waiting for this user's answer. */
  invitationsOf(user: UserRecord): Promise<InvitationRecord[]> {
    return this.deps.registry.invitationsFor(this.addressesOf(user));
  }

  /** Accepts an invitation of the user's: the project appears in their list with the invited role. */
  async acceptInvitation(user: UserRecord, id: string): Promise<InvitationRecord> {
    const accepted = await this.deps.registry.acceptInvitation(id, this.addressesOf(user), user.id);
    if (!accepted) throw new TesseraError('NOT_FOUND', `You have no invitation "${id}" (it may have been withdrawn, or answered already).`);
    return accepted;
  }

  async declineInvitation(user: UserRecord, id: string): Promise<InvitationRecord> {
    const declined = await this.deps.registry.removeInvitation(id, { addresses: this.addressesOf(user) });
    if (!declined) throw new TesseraError('NOT_FOUND', `You have no invitation "${id}" (it may have been withdrawn, or answered already).`);
    return declined;
  }

  /** Removes a member, or withdraws the invitation addressed to that id or email. */
  async removeMember(tenant: string, who: string): Promise<void> {
    await this.keepAnOwner(tenant, who);
    if (await this.deps.registry.removeMembership(tenant, who)) return;
    if (await this.deps.registry.withdrawInvitation(tenant, who.trim().toLowerCase())) return;
    throw new TesseraError('NOT_FOUND', `"${who}" is neither a member of "${tenant}" nor invited to it.`);
  }

  private async keepAnOwner(tenant: string, leaving: string): Promise<void> {
    const owners = (await this.deps.registry.listMembers(tenant)).filter((m) => m.role === 'owner');
    if (owners.length === 1 && owners[0]!.userId === leaving) throw new TesseraError('LAST_OWNER', `"${leaving}" is the only owner of "${tenant}": make someone else owner first.`);
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
      if (!lastUsed || Date.now() - Date.parse(lastUsed) > LAST_USED_RESOLUTION_MS) void this.deps.registry.useCredential(found.credential.id, false).catch(() => undefined);
      return { user: found.user, via: 'api-token' };
    }
    if (credential.session) {
      const found = await this.deps.registry.findCredentialUser(sha256(credential.session), ['session']);
      return found ? { user: found.user, via: 'session' } : null;
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
