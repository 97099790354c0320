import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { tenantLeases } from './schema.ts';

export interface LeaseRecord {
  mine: boolean;
  holder: string;
  holderUrl: string;
  /** Milliseconds the lease has left, as the database's clock sees it. */
  remainingMs: number;
  epoch: number;
}

/** Tenant leases: which replica serves which tenant (docs/fission.md, several replicas on one volume). */
export interface LeaseStore {
  /**
   * Takes (or renews) a tenant's lease for `holder` when it is free, expired or already theirs, in one
   * statement; returns who holds it afterwards (the caller only when `mine`).
   */
  acquireLease(tenant: string, holder: string, holderUrl: string, ttlMs: number): Promise<LeaseRecord>;
  /**
   * Renews every lease `holder` still has among `tenants` and returns those, each with its epoch and
   * the tenant's live release (the newest deployment); the others are lost.
   */
  renewLeases(holder: string, tenants: string[], ttlMs: number): Promise<Array<{ tenant: string; epoch: number; live: string | null }>>;
  /** Gives up leases (all of the holder's when `tenants` is omitted). */
  releaseLeases(holder: string, tenants?: string[]): Promise<void>;
}

export function leaseStore(db: Db): LeaseStore {
  const store: LeaseStore = {
    async acquireLease(tenant, holder, holderUrl, ttlMs) {
      // One statement (pgbouncer in transaction mode): insert, or take over when expired or ours.
      const taken = await db.execute(sql`
        INSERT INTO tenant_leases (tenant, holder, holder_url, expires_at, epoch)
        VALUES (${tenant}, ${holder}, ${holderUrl}, now() + ${ttlMs} * interval '1 millisecond', 1)
        ON CONFLICT (tenant) DO UPDATE SET
          holder = EXCLUDED.holder, holder_url = EXCLUDED.holder_url, expires_at = EXCLUDED.expires_at,
          epoch = CASE WHEN tenant_leases.holder = EXCLUDED.holder THEN tenant_leases.epoch ELSE tenant_leases.epoch + 1 END
        WHERE tenant_leases.holder = EXCLUDED.holder OR tenant_leases.expires_at < now()
        RETURNING holder, holder_url, epoch, extract(epoch from (expires_at - now())) * 1000 AS remaining_ms`);
      const rows = (taken as unknown as { rows: LeaseRow[] }).rows ?? (taken as unknown as LeaseRow[]);
      if (rows[0]) return leaseOf(rows[0], holder);
      const current = await db.execute(
        sql`SELECT holder, holder_url, epoch, extract(epoch from (expires_at - now())) * 1000 AS remaining_ms FROM tenant_leases WHERE tenant = ${tenant}`,
      );
      const found = ((current as unknown as { rows: LeaseRow[] }).rows ?? (current as unknown as LeaseRow[]))[0];
      // Gone between the two statements: try once more.
      return found ? leaseOf(found, holder) : store.acquireLease(tenant, holder, holderUrl, ttlMs);
    },
    async renewLeases(holder, tenantIds, ttlMs) {
      if (!tenantIds.length) return [];
      // The live release rides along, so a holder learns of a deploy made outside it (the read path's
      // function on the cluster) within a renewal, at no extra statement.
      const rows = await db
        .update(tenantLeases)
        .set({ expiresAt: sql`now() + ${ttlMs} * interval '1 millisecond'` })
        .where(and(eq(tenantLeases.holder, holder), inArray(tenantLeases.tenant, tenantIds), sql`${tenantLeases.expiresAt} > now()`))
        .returning({
          tenant: tenantLeases.tenant,
          epoch: tenantLeases.epoch,
          // Spelt out: drizzle writes columns unqualified here, and inside the subquery "tenant" would be the deployment's own.
          live: sql<string | null>`(SELECT d.version FROM deployments d WHERE d.tenant = "tenant_leases"."tenant" ORDER BY d.id DESC LIMIT 1)`,
        });
      return rows.map((r) => ({ tenant: r.tenant, epoch: Number(r.epoch), live: r.live ?? null }));
    },
    async releaseLeases(holder, tenantIds) {
      // Expired rather than deleted: the next holder's epoch still counts up.
      await db
        .update(tenantLeases)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(tenantIds ? and(eq(tenantLeases.holder, holder), inArray(tenantLeases.tenant, tenantIds)) : eq(tenantLeases.holder, holder));
    },
  };
  return store;
}

interface LeaseRow {
  holder: string;
  holder_url: string;
  epoch: number;
  remaining_ms: number | string;
}

function leaseOf(row: LeaseRow, me: string): LeaseRecord {
  return { mine: row.holder === me, holder: row.holder, holderUrl: row.holder_url, epoch: Number(row.epoch), remainingMs: Number(row.remaining_ms) };
}
