import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from './db.ts';
import type { Role } from './memberships.ts';
import { invitations, memberships } from './schema.ts';

/** An invitation to a project, addressed to a user id or an email (lowercased). */
export interface InvitationRecord {
  id: string;
  tenant: string;
  invitee: string;
  role: Role;
  invitedBy: string;
  createdAt: string;
}

/** The registry's invitation queries (see schema.ts `invitations`). */
export interface InvitationStore {
  /** Invites `invitee` (or changes the role of their pending invitation); returns the invitation's id. */
  invite(tenant: string, invitee: string, role: Role, invitedBy: string): Promise<string>;
  /** Pending invitations addressed to any of `addresses` (a user's id and email). */
  invitationsFor(addresses: string[]): Promise<InvitationRecord[]>;
  /** Pending invitations to a project (for its owners). */
  invitationsTo(tenant: string): Promise<InvitationRecord[]>;
  /**
   * Accepts an invitation addressed to one of `addresses`: the user becomes a member with its role and
   * the invitation is gone, in one transaction. Null when there is no such invitation for them.
   */
  acceptInvitation(id: string, addresses: string[], userId: string): Promise<InvitationRecord | null>;
  /** Declines (the invitee) or withdraws (`tenant` given: an owner) an invitation; null when there was none. */
  removeInvitation(id: string, scope: { addresses?: string[]; tenant?: string }): Promise<InvitationRecord | null>;
  /** Withdraws the project's invitation addressed to `invitee`; false when there was none. */
  withdrawInvitation(tenant: string, invitee: string): Promise<boolean>;
}

function invitationOf(row: typeof invitations.$inferSelect): InvitationRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    invitee: row.invitee,
    role: row.role as Role,
    invitedBy: row.invitedBy,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export function invitationStore(db: Db): InvitationStore {
  return {
    async invite(tenant, invitee, role, invitedBy) {
      const id = `inv_${randomBytes(12).toString('base64url')}`;
      const [row] = await db
        .insert(invitations)
        .values({ id, tenant, invitee, role, invitedBy })
        .onConflictDoUpdate({ target: [invitations.tenant, invitations.invitee], set: { role, invitedBy } })
        .returning({ id: invitations.id });
      return row!.id;
    },
    async invitationsFor(addresses) {
      if (addresses.length === 0) return [];
      return (
        await db.select().from(invitations).where(inArray(invitations.invitee, addresses)).orderBy(asc(invitations.createdAt), asc(invitations.tenant))
      ).map(invitationOf);
    },
    async invitationsTo(tenant) {
      return (await db.select().from(invitations).where(eq(invitations.tenant, tenant)).orderBy(asc(invitations.invitee))).map(invitationOf);
    },
    async acceptInvitation(id, addresses, userId) {
      if (addresses.length === 0) return null;
      return db.transaction(async (tx) => {
        const [row] = await tx
          .delete(invitations)
          .where(and(eq(invitations.id, id), inArray(invitations.invitee, addresses)))
          .returning();
        if (!row) return null;
        // The role is the one the inviting owner chose (an owner changes a member's role directly, so
        // a member is rarely invited; if so, the invitation's role applies).
        await tx
          .insert(memberships)
          .values({ tenant: row.tenant, userId, role: row.role })
          .onConflictDoUpdate({ target: [memberships.tenant, memberships.userId], set: { role: row.role } });
        return invitationOf(row);
      });
    },
    async removeInvitation(id, scope) {
      const conditions = [eq(invitations.id, id)];
      if (scope.addresses) conditions.push(inArray(invitations.invitee, scope.addresses.length ? scope.addresses : ['']));
      if (scope.tenant !== undefined) conditions.push(eq(invitations.tenant, scope.tenant));
      const [row] = await db
        .delete(invitations)
        .where(and(...conditions))
        .returning();
      return row ? invitationOf(row) : null;
    },
    async withdrawInvitation(tenant, invitee) {
      return (
        (
          await db
            .delete(invitations)
            .where(and(eq(invitations.tenant, tenant), eq(invitations.invitee, invitee)))
            .returning({ id: invitations.id })
        ).length > 0
      );
    },
  };
}
