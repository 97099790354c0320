import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { secretRequests, tenantSecrets } from './schema.ts';

/** Sealed app secrets and the model's requests for secrets. */
export interface SealedSecretStore {
  /** Stores a sealed (encrypted) secret, replacing one of the same name; answers a request for it. */
  putSecret(tenant: string, name: string, sealed: string): Promise<void>;
  /** Names and update times of a tenant's secrets, by name. */
  listSecrets(tenant: string): Promise<Array<{ name: string; updatedAt: string }>>;
  /** Every sealed secret of a tenant (for its functions). */
  sealedSecrets(tenant: string): Promise<Array<{ name: string; sealed: string; updatedAt: string }>>;
  deleteSecret(tenant: string, name: string): Promise<boolean>;
  /** Records that the model asked for a secret (kept until the secret is set or the request dismissed). */
  requestSecret(tenant: string, name: string, reason: string): Promise<void>;
  listSecretRequests(tenant: string): Promise<Array<{ name: string; reason: string; requestedAt: string }>>;
  dismissSecretRequest(tenant: string, name: string): Promise<boolean>;
}

export function sealedSecretStore(db: Db): SealedSecretStore {
  return {
    async putSecret(tenant, name, sealed) {
      await db.transaction(async (tx) => {
        await tx
          .insert(tenantSecrets)
          .values({ tenant, name, sealed })
          .onConflictDoUpdate({ target: [tenantSecrets.tenant, tenantSecrets.name], set: { sealed, updatedAt: new Date() } });
        await tx.delete(secretRequests).where(and(eq(secretRequests.tenant, tenant), eq(secretRequests.name, name)));
      });
    },
    async listSecrets(tenant) {
      const rows = await db
        .select({ name: tenantSecrets.name, updatedAt: tenantSecrets.updatedAt })
        .from(tenantSecrets)
        .where(eq(tenantSecrets.tenant, tenant))
        .orderBy(asc(tenantSecrets.name));
      return rows.map((r) => ({ name: r.name, updatedAt: new Date(r.updatedAt).toISOString() }));
    },
    async sealedSecrets(tenant) {
      const rows = await db.select().from(tenantSecrets).where(eq(tenantSecrets.tenant, tenant)).orderBy(asc(tenantSecrets.name));
      return rows.map((r) => ({ name: r.name, sealed: r.sealed, updatedAt: new Date(r.updatedAt).toISOString() }));
    },
    async deleteSecret(tenant, name) {
      const rows = await db
        .delete(tenantSecrets)
        .where(and(eq(tenantSecrets.tenant, tenant), eq(tenantSecrets.name, name)))
        .returning({ name: tenantSecrets.name });
      return rows.length > 0;
    },
    async requestSecret(tenant, name, reason) {
      await db
        .insert(secretRequests)
        .values({ tenant, name, reason })
        .onConflictDoUpdate({ target: [secretRequests.tenant, secretRequests.name], set: { reason, requestedAt: new Date() } });
    },
    async listSecretRequests(tenant) {
      const rows = await db.select().from(secretRequests).where(eq(secretRequests.tenant, tenant)).orderBy(asc(secretRequests.name));
      return rows.map((r) => ({ name: r.name, reason: r.reason, requestedAt: new Date(r.requestedAt).toISOString() }));
    },
    async dismissSecretRequest(tenant, name) {
      const rows = await db
        .delete(secretRequests)
        .where(and(eq(secretRequests.tenant, tenant), eq(secretRequests.name, name)))
        .returning({ name: secretRequests.name });
      return rows.length > 0;
    },
  };
}
