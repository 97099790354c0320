import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from './db.ts';
import { credentials, users } from './schema.ts';
import { userOf, type UserRecord } from './users.ts';

export type CredentialKind = 'session' | 'api-token' | 'sign-in-link';
export interface CredentialRecord {
  id: number;
  kind: CredentialKind;
  userId: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/** Sessions, API tokens and sign-in links, each stored by the sha256 of its secret. */
export interface CredentialStore {
  /** Stores a credential by the sha256 of its secret. */
  addCredential(credential: { kind: CredentialKind; userId: string; name?: string; secretHash: string; expiresAt?: Date }): Promise<number>;
  /** The live (not revoked, not expired) credential with this secret hash, of one of these kinds. */
  findCredential(secretHash: string, kinds: CredentialKind[]): Promise<CredentialRecord | null>;
  /** The same, with its user, in one query (the per-request lookup of sessions and API tokens). */
  findCredentialUser(secretHash: string, kinds: CredentialKind[]): Promise<{ credential: CredentialRecord; user: UserRecord } | null>;
  /** Marks a credential used now; a one-time kind is revoked by its use (atomically: only one use wins). */
  useCredential(id: number, once: boolean): Promise<boolean>;
  listCredentials(userId: string, kind: CredentialKind): Promise<CredentialRecord[]>;
  /** Revokes a credential of this user (or by its secret hash); false when there was none. */
  revokeCredential(userId: string, by: { id?: number; secretHash?: string }): Promise<boolean>;
}

export function credentialStore(db: Db): CredentialStore {
  return {
    async addCredential(credential) {
      const [row] = await db
        .insert(credentials)
        .values({
          kind: credential.kind,
          userId: credential.userId,
          name: credential.name ?? '',
          secretHash: credential.secretHash,
          expiresAt: credential.expiresAt ?? null,
        })
        .returning({ id: credentials.id });
      return row!.id;
    },
    async findCredential(secretHash, kinds) {
      const [row] = await db
        .select()
        .from(credentials)
        .where(and(eq(credentials.secretHash, secretHash), inArray(credentials.kind, kinds), isNull(credentials.revokedAt)));
      if (!row || (row.expiresAt && new Date(row.expiresAt).getTime() <= Date.now())) return null;
      return credentialOf(row);
    },
    async findCredentialUser(secretHash, kinds) {
      const [row] = await db
        .select({ credential: credentials, user: users })
        .from(credentials)
        .innerJoin(users, eq(users.id, credentials.userId))
        .where(and(eq(credentials.secretHash, secretHash), inArray(credentials.kind, kinds), isNull(credentials.revokedAt)));
      if (!row || (row.credential.expiresAt && new Date(row.credential.expiresAt).getTime() <= Date.now())) return null;
      return { credential: credentialOf(row.credential), user: userOf(row.user) };
    },
    async useCredential(id, once) {
      const rows = await db
        .update(credentials)
        .set(once ? { lastUsedAt: new Date(), revokedAt: new Date() } : { lastUsedAt: new Date() })
        .where(and(eq(credentials.id, id), isNull(credentials.revokedAt)))
        .returning({ id: credentials.id });
      return rows.length > 0;
    },
    async listCredentials(userId, kind) {
      const rows = await db
        .select()
        .from(credentials)
        .where(and(eq(credentials.userId, userId), eq(credentials.kind, kind), isNull(credentials.revokedAt)))
        .orderBy(asc(credentials.id));
      return rows.map(credentialOf);
    },
    async revokeCredential(userId, by) {
      const match = by.id !== undefined ? eq(credentials.id, by.id) : eq(credentials.secretHash, by.secretHash ?? '');
      const rows = await db
        .update(credentials)
        .set({ revokedAt: new Date() })
        .where(and(match, eq(credentials.userId, userId), isNull(credentials.revokedAt)))
        .returning({ id: credentials.id });
      return rows.length > 0;
    },
  };
}

function credentialOf(row: typeof credentials.$inferSelect): CredentialRecord {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: row.id,
    kind: row.kind as CredentialKind,
    userId: row.userId,
    name: row.name,
    createdAt: iso(row.createdAt)!,
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
  };
}
