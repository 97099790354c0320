import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from './db.ts';
import { egressRules } from './schema.ts';

/** Each tenant's egress allowlist and the model's proposals. */
export interface EgressRuleStore {
  /** The egress rules of a tenant: allowed hosts and the model's proposals. */
  listEgress(tenant: string): Promise<Array<{ host: string; status: 'allowed' | 'proposed'; reason: string; createdAt: string }>>;
  /** Replaces the allowed hosts; proposals among them become allowed, the other proposals stay pending. */
  setEgressAllowlist(tenant: string, hosts: string[]): Promise<void>;
  /** A proposal by the model; no effect on a host already allowed. */
  proposeEgress(tenant: string, host: string, reason: string): Promise<'proposed' | 'already-allowed'>;
  dismissEgressProposal(tenant: string, host: string): Promise<boolean>;
}

export function egressRuleStore(db: Db): EgressRuleStore {
  return {
    async listEgress(tenant) {
      const rows = await db.select().from(egressRules).where(eq(egressRules.tenant, tenant)).orderBy(asc(egressRules.host));
      return rows.map((r) => ({ host: r.host, status: r.status as 'allowed' | 'proposed', reason: r.reason, createdAt: new Date(r.createdAt).toISOString() }));
    },
    async setEgressAllowlist(tenant, hosts) {
      await db.transaction(async (tx) => {
        await tx.delete(egressRules).where(and(eq(egressRules.tenant, tenant), eq(egressRules.status, 'allowed')));
        if (hosts.length) await tx.delete(egressRules).where(and(eq(egressRules.tenant, tenant), inArray(egressRules.host, hosts)));
        if (hosts.length) await tx.insert(egressRules).values(hosts.map((host) => ({ tenant, host, status: 'allowed' })));
      });
    },
    async proposeEgress(tenant, host, reason) {
      return db.transaction(async (tx) => {
        const [existing] = await tx
          .select({ status: egressRules.status })
          .from(egressRules)
          .where(and(eq(egressRules.tenant, tenant), eq(egressRules.host, host)));
        if (existing?.status === 'allowed') return 'already-allowed' as const;
        await tx
          .insert(egressRules)
          .values({ tenant, host, status: 'proposed', reason })
          .onConflictDoUpdate({ target: [egressRules.tenant, egressRules.host], set: { reason } });
        return 'proposed' as const;
      });
    },
    async dismissEgressProposal(tenant, host) {
      const rows = await db
        .delete(egressRules)
        .where(and(eq(egressRules.tenant, tenant), eq(egressRules.host, host), eq(egressRules.status, 'proposed')))
        .returning({ host: egressRules.host });
      return rows.length > 0;
    },
  };
}
