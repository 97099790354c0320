import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { memberships, users } from './schema.ts';

export type Role = 'owner' | 'editor' | 'viewer';

/** Who belongs to which project, with which role (invitations: invitations.ts). */
export interface MembershipStore {
  /** Adds a member or changes their role. */
  setMembership(tenant: string, userId: string, role: Role): Promise<void>;
  removeMembership(tenant: string, userId: string): Promise<boolean>;
  roleOf(tenant: string, userId: string): Promise<Role | null>;
  listMembers(tenant: string): Promise<Array<{ userId: string; name: string; email: string | null; role: Role; since: string }>>;
  /** The projects a user belongs to, with their role in each. */
  membershipsOf(userId: string): Promise<Array<{ tenant: string; role: Role }>>;
}

export function membershipStore(db: Db): MembershipStore {
  return {
    async setMembership(tenant, userId, role) {
      await db
        .insert(memberships)
        .values({ tenant, userId, role })
        .onConflictDoUpdate({ target: [memberships.tenant, memberships.userId], set: { role } });
    },
    async removeMembership(tenant, userId) {
      return (
        (
          await db
            .delete(memberships)
            .where(and(eq(memberships.tenant, tenant), eq(memberships.userId, userId)))
            .returning({ tenant: memberships.tenant })
        ).length > 0
      );
    },
    async roleOf(tenant, userId) {
      const [row] = await db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.tenant, tenant), eq(memberships.userId, userId)));
      return (row?.role as Role | undefined) ?? null;
    },
    async listMembers(tenant) {
      const rows = await db
        .select({ userId: memberships.userId, role: memberships.role, since: memberships.createdAt, name: users.name, email: users.email })
        .from(memberships)
        .leftJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.tenant, tenant))
        .orderBy(asc(memberships.userId));
      return rows.map((r) => ({
        userId: r.userId,
        name: r.name ?? r.userId,
        email: r.email ?? null,
        role: r.role as Role,
        since: new Date(r.since).toISOString(),
      }));
    },
    async membershipsOf(userId) {
      const rows = await db
        .select({ tenant: memberships.tenant, role: memberships.role })
        .from(memberships)
        .where(eq(memberships.userId, userId))
        .orderBy(asc(memberships.tenant));
      return rows.map((r) => ({ tenant: r.tenant, role: r.role as Role }));
    },
  };
}
