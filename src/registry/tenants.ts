import { asc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import {
  agentMessages,
  appAuthSettings,
  appOutbox,
  appSnapshots,
  appResetTokens,
  appSessions,
  appUsers,
  agentSessions,
  dataTokens,
  deployments,
  egressRules,
  functionRegistry,
  invitations,
  memberships,
  mfeRegistry,
  releases,
  secretRequests,
  tenants,
  tenantSecrets,
} from './schema.ts';

/** The tenants themselves: one row each, and the incarnation that tells a recreated id from its predecessor (see schema.ts `tenants`). */
export interface TenantStore {
  addTenant(id: string): Promise<void>;
  removeTenant(id: string): Promise<void>;
  /** Every tenant the registry knows, sorted: with several replicas, the list they all agree on. */
  listTenants(): Promise<string[]>;
  hasTenant(id: string): Promise<boolean>;
  /** The current incarnation of a project id (see schema.ts `tenants.incarnation`), or null. */
  projectOf(tenant: string): Promise<string | null>;
}

export function tenantStore(db: Db): TenantStore {
  return {
    async addTenant(id) {
      await db.insert(tenants).values({ id }).onConflictDoNothing();
    },
    async removeTenant(id) {
      await db.transaction(async (tx) => {
        await tx.delete(mfeRegistry).where(eq(mfeRegistry.tenant, id));
        await tx.delete(functionRegistry).where(eq(functionRegistry.tenant, id));
        await tx.delete(releases).where(eq(releases.tenant, id));
        await tx.delete(deployments).where(eq(deployments.tenant, id));
        await tx.delete(agentMessages).where(eq(agentMessages.tenant, id));
        await tx.delete(agentSessions).where(eq(agentSessions.tenant, id));
        await tx.delete(dataTokens).where(eq(dataTokens.tenant, id));
        await tx.delete(memberships).where(eq(memberships.tenant, id));
        await tx.delete(invitations).where(eq(invitations.tenant, id));
        await tx.delete(tenantSecrets).where(eq(tenantSecrets.tenant, id));
        await tx.delete(secretRequests).where(eq(secretRequests.tenant, id));
        await tx.delete(egressRules).where(eq(egressRules.tenant, id));
        await tx.delete(appSessions).where(eq(appSessions.tenant, id));
        await tx.delete(appResetTokens).where(eq(appResetTokens.tenant, id));
        await tx.delete(appUsers).where(eq(appUsers.tenant, id));
        await tx.delete(appAuthSettings).where(eq(appAuthSettings.tenant, id));
        await tx.delete(appOutbox).where(eq(appOutbox.tenant, id));
        await tx.delete(appSnapshots).where(eq(appSnapshots.tenant, id));
        await tx.delete(tenants).where(eq(tenants.id, id));
      });
    },
    async listTenants() {
      return (await db.select({ id: tenants.id }).from(tenants).orderBy(asc(tenants.id))).map((r) => r.id);
    },
    async hasTenant(id) {
      return (await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id))).length > 0;
    },
    async projectOf(tenant) {
      const [row] = await db.select({ incarnation: tenants.incarnation }).from(tenants).where(eq(tenants.id, tenant));
      return row?.incarnation ?? null;
    },
  };
}
