import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from './db.ts';
import { dataTokens } from './schema.ts';

/** Tokens of the data endpoint (`/data/v1/<tenant>`), by sha256. */
export interface DataTokenStore {
  /** Stores a new data-endpoint token of a tenant (only its sha256 is kept). */
  addDataToken(tenant: string, token: { hash: string; label: string }): Promise<void>;
  /** The tenant a data-endpoint token (by sha256) belongs to, or null for an unknown or revoked token. */
  dataTokenTenant(hash: string): Promise<string | null>;
  /** Revokes every data-endpoint token of a tenant with this label (e.g. a release), or all when no label. */
  revokeDataTokens(tenant: string, label?: string): Promise<number>;
}

export function dataTokenStore(db: Db): DataTokenStore {
  return {
    async addDataToken(tenant, token) {
      await db.insert(dataTokens).values({ tenant, tokenHash: token.hash, label: token.label });
    },
    async dataTokenTenant(hash) {
      const [row] = await db
        .select({ tenant: dataTokens.tenant })
        .from(dataTokens)
        .where(and(eq(dataTokens.tokenHash, hash), isNull(dataTokens.revokedAt)));
      return row?.tenant ?? null;
    },
    async revokeDataTokens(tenant, label) {
      const where =
        label === undefined
          ? and(eq(dataTokens.tenant, tenant), isNull(dataTokens.revokedAt))
          : and(eq(dataTokens.tenant, tenant), eq(dataTokens.label, label), isNull(dataTokens.revokedAt));
      const rows = await db.update(dataTokens).set({ revokedAt: new Date() }).where(where).returning({ id: dataTokens.id });
      return rows.length;
    },
  };
}
