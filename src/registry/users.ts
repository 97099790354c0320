import { and, asc, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import { TesseraError } from '../errors.ts';
import type { Db } from './db.ts';
import { credentials, invitations, memberships, users } from './schema.ts';

export interface UserRecord {
  id: string;
  name: string;
  admin: boolean;
  createdAt: string;
  email: string | null;
  hasPassword: boolean;
  /** Signs in through the identity provider. */
  oidc: boolean;
}

/** User accounts. */
export interface UserStore {
  /** Users other than `except` (the built-in TESSERA_TOKEN administrator is not a person). */
  countUsers(except?: string): Promise<number>;
  /** USER_EXISTS (409) when the id or the email is taken. */
  addUser(user: { id: string; name: string; admin: boolean; email?: string | null; passwordHash?: string | null; oidcSubject?: string | null }): Promise<void>;
  getUser(id: string): Promise<UserRecord | null>;
  /** A user by email (lowercased) or by identity-provider subject. */
  findUser(by: { email?: string; oidcSubject?: string }): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  /** False when there is no such user; USER_EXISTS (409) when a new email is taken. */
  updateUser(
    id: string,
    patch: { name?: string; admin?: boolean; email?: string | null; passwordHash?: string | null; oidcSubject?: string | null },
  ): Promise<boolean>;
  passwordHash(id: string): Promise<string | null>;
  /** Deletes a user with every credential and membership of theirs. */
  removeUser(id: string): Promise<boolean>;
}

export function userStore(db: Db): UserStore {
  return {
    async countUsers(except) {
      const rows = await db
        .select({ id: users.id })
        .from(users)
        .where(except === undefined ? undefined : ne(users.id, except))
        .limit(1);
      return rows.length;
    },
    async addUser(user) {
      const taken = await db
        .select({ id: users.id })
        .from(users)
        .where(user.email ? or(eq(users.id, user.id), eq(users.email, user.email)) : eq(users.id, user.id))
        .limit(1);
      if (taken.length) throw new TesseraError('USER_EXISTS', `A user "${user.id}"${user.email ? ` or with email ${user.email}` : ''} exists already.`);
      await db.insert(users).values({
        id: user.id,
        name: user.name,
        admin: user.admin ? 1 : 0,
        email: user.email ?? null,
        passwordHash: user.passwordHash ?? null,
        oidcSubject: user.oidcSubject ?? null,
      });
    },
    async getUser(id) {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row ? userOf(row) : null;
    },
    async findUser(by) {
      const match = by.email !== undefined ? eq(users.email, by.email.toLowerCase()) : eq(users.oidcSubject, by.oidcSubject ?? '');
      const [row] = await db.select().from(users).where(match);
      return row ? userOf(row) : null;
    },
    async listUsers() {
      return (await db.select().from(users).orderBy(asc(users.id))).map(userOf);
    },
    async updateUser(id, patch) {
      if (patch.email) {
        const [other] = await db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.email, patch.email), ne(users.id, id)));
        if (other) throw new TesseraError('USER_EXISTS', `Another user has the email ${patch.email}.`);
      }
      const set: Partial<typeof users.$inferInsert> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.admin !== undefined) set.admin = patch.admin ? 1 : 0;
      if (patch.email !== undefined) set.email = patch.email;
      if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
      if (patch.oidcSubject !== undefined) set.oidcSubject = patch.oidcSubject;
      if (!Object.keys(set).length) return (await db.select({ id: users.id }).from(users).where(eq(users.id, id))).length > 0;
      return (await db.update(users).set(set).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
    },
    async passwordHash(id) {
      const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, id));
      return row?.hash ?? null;
    },
    async removeUser(id) {
      return db.transaction(async (tx) => {
        await tx
          .update(credentials)
          .set({ revokedAt: new Date() })
          .where(and(eq(credentials.userId, id), isNull(credentials.revokedAt)));
        await tx.delete(memberships).where(eq(memberships.userId, id));
        const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, id));
        await tx.delete(invitations).where(inArray(invitations.invitee, user?.email ? [id, user.email] : [id]));
        return (await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
      });
    },
  };
}

export function userOf(row: typeof users.$inferSelect): UserRecord {
  return {
    id: row.id,
    name: row.name,
    admin: row.admin === 1,
    createdAt: new Date(row.createdAt).toISOString(),
    email: row.email ?? null,
    hasPassword: Boolean(row.passwordHash),
    oidc: Boolean(row.oidcSubject),
  };
}
