/**
 * The people who use a generated app: signing up, in and out, who a session is, password resets by
 * the app's outbox, and what the app's owner does with them. Everything is per tenant: a session,
 * an account or a reset token of one app means nothing to another. The HTTP side is
 * server/app-auth-api.ts (on the app's origin) and server/app-users-api.ts (the owners' routes).
 */
import { randomUUID } from 'node:crypto';
import { AttemptWindows, DUMMY_HASH, hashPassword, newSecret, PASSWORD_MAX, sha256, verifyPassword } from '../auth/index.ts';
import type { EmailMessage, QueuedMail } from '../email/index.ts';
import { TesseraError } from '../errors.ts';
import type { AppOutboxStore, AppSignupPolicy, AppUserRecord, AppUserRole, AppUserStore, OutboxMail } from '../registry/index.ts';

/** The shortest password an app user may choose (the contract's WEAK_PASSWORD). */
export const APP_PASSWORD_MIN = 8;
/** How long an app session lasts without signing in again. */
export const APP_SESSION_TTL_MS = 30 * 24 * 3600_000;
/** How long a password-reset link works. */
export const RESET_TTL_MS = 3600_000;
/** Failed sign-ins per client address, and wrong passwords per account, of one app within a minute before 429. */
export const APP_SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/** What an app (and its pages) learns of a user: never the password hash, never other accounts. */
export interface AppUser {
  id: string;
  email: string;
  name: string;
  role: AppUserRole;
}

export interface AppSignedIn {
  user: AppUser;
  /** The session cookie's value (only its sha256 is stored). */
  session: string;
  maxAgeSeconds: number;
}

export const publicAppUser = (user: AppUserRecord): AppUser => ({ id: user.id, email: user.email, name: user.name, role: user.role });

function checkAppPassword(password: string): string {
  if (password.length < APP_PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new TesseraError('WEAK_PASSWORD', `A password is ${APP_PASSWORD_MIN} to ${PASSWORD_MAX} characters long; a few unrelated words make a good one.`);
  }
  return password;
}

const INVALID_CREDENTIALS = (): TesseraError => new TesseraError('INVALID_CREDENTIALS', 'Wrong email or password.');

export class AppUsers {
  /** Keys are `<tenant> <address>`: one app's attackers do not lock another app's visitors out. */
  private readonly attempts = new AttemptWindows(APP_SIGN_IN_ATTEMPTS_PER_MINUTE);
  /** Keys are `<tenant> <email>`. */
  private readonly wrongPasswords = new AttemptWindows(APP_SIGN_IN_ATTEMPTS_PER_MINUTE);

  /** `mailer`: how the app's mail goes out (src/email's AppMailer: its SMTP server, or its outbox), as its functions' does. */
  constructor(
    private readonly registry: AppUserStore & AppOutboxStore,
    private readonly mailer: { send(tenant: string, message: EmailMessage): Promise<QueuedMail> },
  ) {}

  private checkClient(tenant: string, client: string): void {
    if (this.attempts.locked(`${tenant} ${client}`)) {
      throw new TesseraError('TOO_MANY_ATTEMPTS', 'Too many failed attempts from this address; wait a minute and try again.');
    }
  }

  /** Signs a new user up (when the app's policy is `open`) and in. */
  async signUp(tenant: string, input: { email: string; password: string; name?: string | undefined }, client: string): Promise<AppSignedIn> {
    this.checkClient(tenant, client);
    const policy = await this.registry.appSignupPolicy(tenant);
    if (policy !== 'open') {
      throw new TesseraError(
        'SIGNUP_CLOSED',
        `This app does not take sign-ups${policy === 'invite' ? ' (by invitation only)' : ''}: ask its owner for an account.`,
      );
    }
    const password = checkAppPassword(input.password);
    const email = input.email.toLowerCase();
    const name = input.name?.trim() || email.split('@')[0]!;
    const passwordHash = await hashPassword(password);
    let user: AppUserRecord;
    try {
      user = await this.registry.addAppUser({ id: randomUUID(), tenant, email, name, passwordHash });
    } catch (err) {
      // A taken email answers 409 (the contract): counted, so this cannot list an app's accounts quickly.
      if (err instanceof TesseraError && err.code === 'EMAIL_TAKEN') this.attempts.fail(`${tenant} ${client}`);
      throw err;
    }
    return this.startSession(tenant, user);
  }

  /**
   * Signs in with email and password. An unknown email, a wrong password and a disabled account get
   * the same answer after the same hash; throttled per address (failures) and per account (wrong passwords).
   */
  async signIn(tenant: string, input: { email: string; password: string }, client: string): Promise<AppSignedIn> {
    this.checkClient(tenant, client);
    const email = input.email.toLowerCase();
    const accountKey = `${tenant} ${email}`;
    if (this.wrongPasswords.locked(accountKey)) {
      throw new TesseraError('TOO_MANY_ATTEMPTS', 'Too many wrong passwords for this account; wait a minute and try again.');
    }
    const found = await this.registry.findAppUserByEmail(tenant, email);
    const matches = await verifyPassword(input.password, found?.passwordHash ?? DUMMY_HASH);
    if (!found || !matches || found.user.disabled) {
      this.wrongPasswords.fail(accountKey);
      this.attempts.fail(`${tenant} ${client}`);
      throw INVALID_CREDENTIALS();
    }
    this.wrongPasswords.forget(accountKey);
    return this.startSession(tenant, found.user);
  }

  /** The user of a session cookie's value in this app, or null (unknown, expired, revoked, disabled, another app's). */
  async userOfSession(tenant: string, session: string | undefined): Promise<AppUser | null> {
    if (!session) return null;
    const user = await this.registry.appSessionUser(tenant, sha256(session));
    return user ? publicAppUser(user) : null;
  }

  async signOut(tenant: string, session: string | undefined): Promise<void> {
    if (session) await this.registry.revokeAppSession(tenant, sha256(session));
  }

  /**
   * Starts a password reset: for an existing, enabled account, a one-time token (an hour) and a mail
   * with the link on `origin`, by the app's SMTP server or into its outbox (recorded there either
   * way). Says nothing about whether the account exists: the SMTP delivery is not waited for (its
   * time would tell), and its failure, or the app's mail budget being spent, is only in the outbox.
   */
  async requestReset(tenant: string, email: string, origin: string, client: string): Promise<void> {
    this.checkClient(tenant, client);
    // Every request counts: an address cannot fill an app's outbox (or probe it) faster than the throttle.
    this.attempts.fail(`${tenant} ${client}`);
    const found = await this.registry.findAppUserByEmail(tenant, email.toLowerCase());
    if (!found || found.user.disabled) return;
    const token = newSecret('tar');
    await this.registry.addAppResetToken({ tenant, userId: found.user.id, tokenHash: sha256(token), expiresAt: new Date(Date.now() + RESET_TTL_MS) });
    const link = `${origin}/_tessera/auth/reset?token=${encodeURIComponent(token)}`;
    await this.mailer
      .send(tenant, {
        to: [found.user.email],
        subject: 'Reset your password',
        text: `Someone (hopefully you) asked to reset the password of ${found.user.email}.\n\nSet a new one here within an hour:\n${link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n`,
      })
      // Over the app's mail budget: the link is not sent; the answer stays the same (see above).
      .catch((err: unknown) => {
        if (!(err instanceof TesseraError && err.code === 'EMAIL_RATE_LIMITED')) throw err;
      });
  }

  /** Sets a new password with a reset token (once), revokes the user's other sessions, and signs in. */
  async confirmReset(tenant: string, token: string, password: string): Promise<AppSignedIn> {
    checkAppPassword(password);
    const userId = await this.registry.takeAppResetToken(tenant, sha256(token));
    const user = userId ? await this.registry.getAppUser(tenant, userId) : null;
    if (!user || user.disabled) {
      throw new TesseraError('INVALID_RESET_TOKEN', 'This reset link is not valid: it is unknown, used already or older than an hour. Ask for a new one.');
    }
    await this.registry.updateAppUser(tenant, user.id, { passwordHash: await hashPassword(password) });
    await this.registry.revokeAppSessions(tenant, user.id);
    this.wrongPasswords.forget(`${tenant} ${user.email}`);
    return this.startSession(tenant, user);
  }

  private async startSession(tenant: string, user: AppUserRecord): Promise<AppSignedIn> {
    const session = newSecret('tas');
    await this.registry.addAppSession({ tenant, userId: user.id, tokenHash: sha256(session), expiresAt: new Date(Date.now() + APP_SESSION_TTL_MS) });
    await this.registry.updateAppUser(tenant, user.id, { lastSignInAt: new Date() });
    return { user: publicAppUser(user), session, maxAgeSeconds: Math.floor(APP_SESSION_TTL_MS / 1000) };
  }

  // The app's owner's side.

  list(tenant: string, query?: string): Promise<AppUserRecord[]> {
    return this.registry.listAppUsers(tenant, query);
  }

  /** USER_NOT_FOUND when the app has no such user. Disabling revokes the user's sessions. */
  async update(tenant: string, id: string, patch: { role?: AppUserRole; disabled?: boolean }): Promise<AppUserRecord> {
    const user = await this.registry.updateAppUser(tenant, id, patch);
    if (!user) throw new TesseraError('USER_NOT_FOUND', `This app has no user ${id}.`);
    return user;
  }

  /** Deletes a user and their sessions; USER_NOT_FOUND when there is none. */
  async remove(tenant: string, id: string): Promise<void> {
    if (!(await this.registry.removeAppUser(tenant, id))) throw new TesseraError('USER_NOT_FOUND', `This app has no user ${id}.`);
  }

  signupPolicy(tenant: string): Promise<AppSignupPolicy> {
    return this.registry.appSignupPolicy(tenant);
  }

  setSignupPolicy(tenant: string, signup: AppSignupPolicy): Promise<void> {
    return this.registry.setAppSignupPolicy(tenant, signup);
  }

  outbox(tenant: string): Promise<OutboxMail[]> {
    return this.registry.listOutbox(tenant);
  }
}
