import { and, asc, eq, gt, ilike, isNull, ne, or, sql } from 'drizzle-orm';
import { TesseraError } from '../errors.ts';
import { type Db, isUniqueViolation } from './db.ts';
import { appAuthSettings, appResetTokens, appSessions, appUsers } from './schema.ts';

export type AppUserRole = 'user' | 'admin';
export type AppSignupPolicy = 'open' | 'invite' | 'closed';

/** A person who uses a generated app (not a builder user). Never carries the password hash. */
export interface AppUserRecord {
  id: string;
  email: string;
  name: string;
  role: AppUserRole;
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

/**
 * App users, their sessions and reset tokens, and each app's sign-up policy, all per tenant: a
 * session or token of one app is never found when another app asks (every query names the tenant).
 */
export interface AppUserStore {
  /** EMAIL_TAKEN (409) when the app has a user with that email (lowercased) already. */
  addAppUser(user: { id: string; tenant: string; email: string; name: string; role?: AppUserRole; passwordHash: string }): Promise<AppUserRecord>;
  getAppUser(tenant: string, id: string): Promise<AppUserRecord | null>;
  /** A user by email (lowercased here), with the hash to check a password against. */
  findAppUserByEmail(tenant: string, email: string): Promise<{ user: AppUserRecord; passwordHash: string } | null>;
  /** The app's users, oldest first; `query` matches email or name, case-insensitively. */
  listAppUsers(tenant: string, query?: string): Promise<AppUserRecord[]>;
  /** The changed user, or null when there is none. Disabling revokes the user's sessions. */
  updateAppUser(
    tenant: string,
    id: string,
    patch: { role?: AppUserRole; disabled?: boolean; passwordHash?: string; lastSignInAt?: Date },
  ): Promise<AppUserRecord | null>;
  /** Deletes a user with their sessions and reset tokens; false when there is none. */
  removeAppUser(tenant: string, id: string): Promise<boolean>;

  addAppSession(session: { tenant: string; userId: string; tokenHash: string; expiresAt: Date }): Promise<void>;
  /** The enabled user of a live (unexpired, unrevoked) session of this tenant, or null. */
  appSessionUser(tenant: string, tokenHash: string): Promise<AppUserRecord | null>;
  revokeAppSession(tenant: string, tokenHash: string): Promise<void>;
  /** Revokes every session of a user, but `exceptTokenHash` when given. */
  revokeAppSessions(tenant: string, userId: string, exceptTokenHash?: string): Promise<void>;

  addAppResetToken(token: { tenant: string; userId: string; tokenHash: string; expiresAt: Date }): Promise<void>;
  /** Uses a reset token up (once, before it expires) and returns its user's id, or null. */
  takeAppResetToken(tenant: string, tokenHash: string): Promise<string | null>;

  appSignupPolicy(tenant: string): Promise<AppSignupPolicy>;
  setAppSignupPolicy(tenant: string, signup: AppSignupPolicy): Promise<void>;
}

export function appUserStore(db: Db): AppUserStore {
  const revokeAll = (tx: Db, tenant: string, userId: string, except?: string) =>
    tx
      .update(appSessions)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(appSessions.tenant, tenant),
          eq(appSessions.userId, userId),
          isNull(appSessions.revokedAt),
          except === undefined ? undefined : ne(appSessions.tokenHash, except),
        ),
      );

  return {
    async addAppUser(user) {
      try {
        const [row] = await db
          .insert(appUsers)
          .values({ ...user, email: user.email.toLowerCase(), role: user.role ?? 'user' })
          .returning();
        return appUserOf(row!);
      } catch (err) {
        if (isUniqueViolation(err))
          throw new TesseraError('EMAIL_TAKEN', `This app has an account with the email ${user.email.toLowerCase()} already: sign in instead.`);
        throw err;
      }
    },
    async getAppUser(tenant, id) {
      const [row] = await db
        .select()
        .from(appUsers)
        .where(and(eq(appUsers.tenant, tenant), eq(appUsers.id, id)));
      return row ? appUserOf(row) : null;
    },
    async findAppUserByEmail(tenant, email) {
      const [row] = await db
        .select()
        .from(appUsers)
        .where(and(eq(appUsers.tenant, tenant), eq(appUsers.email, email.toLowerCase())));
      return row ? { user: appUserOf(row), passwordHash: row.passwordHash } : null;
    },
    async listAppUsers(tenant, query) {
      const pattern = query ? `%${query.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : undefined;
      const rows = await db
        .select()
        .from(appUsers)
        .where(and(eq(appUsers.tenant, tenant), pattern === undefined ? undefined : or(ilike(appUsers.email, pattern), ilike(appUsers.name, pattern))))
        .orderBy(asc(appUsers.createdAt), asc(appUsers.id));
      return rows.map(appUserOf);
    },
    async updateAppUser(tenant, id, patch) {
      return db.transaction(async (tx) => {
        const set: Partial<typeof appUsers.$inferInsert> = {};
        if (patch.role !== undefined) set.role = patch.role;
        if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
        if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
        if (patch.lastSignInAt !== undefined) set.lastSignInAt = patch.lastSignInAt;
        const where = and(eq(appUsers.tenant, tenant), eq(appUsers.id, id));
        const [row] = Object.keys(set).length ? await tx.update(appUsers).set(set).where(where).returning() : await tx.select().from(appUsers).where(where);
        if (row && patch.disabled) await revokeAll(tx, tenant, id);
        return row ? appUserOf(row) : null;
      });
    },
    async removeAppUser(tenant, id) {
      return db.transaction(async (tx) => {
        await tx.delete(appSessions).where(and(eq(appSessions.tenant, tenant), eq(appSessions.userId, id)));
        await tx.delete(appResetTokens).where(and(eq(appResetTokens.tenant, tenant), eq(appResetTokens.userId, id)));
        const removed = await tx
          .delete(appUsers)
          .where(and(eq(appUsers.tenant, tenant), eq(appUsers.id, id)))
          .returning({ id: appUsers.id });
        return removed.length > 0;
      });
    },

    async addAppSession(session) {
      await db.insert(appSessions).values(session);
    },
    async appSessionUser(tenant, tokenHash) {
      const [row] = await db
        .select({ user: appUsers })
        .from(appSessions)
        .innerJoin(appUsers, and(eq(appUsers.id, appSessions.userId), eq(appUsers.tenant, appSessions.tenant)))
        .where(
          and(
            eq(appSessions.tenant, tenant),
            eq(appSessions.tokenHash, tokenHash),
            isNull(appSessions.revokedAt),
            gt(appSessions.expiresAt, sql`now()`),
            eq(appUsers.disabled, 0),
          ),
        );
      return row ? appUserOf(row.user) : null;
    },
    async revokeAppSession(tenant, tokenHash) {
      await db
        .update(appSessions)
        .set({ revokedAt: new Date() })
        .where(and(eq(appSessions.tenant, tenant), eq(appSessions.tokenHash, tokenHash), isNull(appSessions.revokedAt)));
    },
    async revokeAppSessions(tenant, userId, exceptTokenHash) {
      await revokeAll(db, tenant, userId, exceptTokenHash);
    },

    async addAppResetToken(token) {
      await db.insert(appResetTokens).values(token);
    },
    async takeAppResetToken(tenant, tokenHash) {
      // One statement: of two confirmations racing with the same token, exactly one gets the row.
      const [row] = await db
        .update(appResetTokens)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(appResetTokens.tenant, tenant),
            eq(appResetTokens.tokenHash, tokenHash),
            isNull(appResetTokens.usedAt),
            gt(appResetTokens.expiresAt, sql`now()`),
          ),
        )
        .returning({ userId: appResetTokens.userId });
      return row?.userId ?? null;
    },

    async appSignupPolicy(tenant) {
      const [row] = await db.select({ signup: appAuthSettings.signup }).from(appAuthSettings).where(eq(appAuthSettings.tenant, tenant));
      return (row?.signup as AppSignupPolicy | undefined) ?? 'open';
    },
    async setAppSignupPolicy(tenant, signup) {
      await db
        .insert(appAuthSettings)
        .values({ tenant, signup })
        .onConflictDoUpdate({ target: appAuthSettings.tenant, set: { signup, updatedAt: new Date() } });
    },
  };
}

function appUserOf(row: typeof appUsers.$inferSelect): AppUserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role === 'admin' ? 'admin' : 'user',
    disabled: row.disabled === 1,
    createdAt: new Date(row.createdAt).toISOString(),
    lastSignInAt: row.lastSignInAt ? new Date(row.lastSignInAt).toISOString() : null,
  };
}
