import { and, asc, desc, eq, max } from 'drizzle-orm';
import { type Db, isUniqueViolation } from './db.ts';
import { functionRegistry, mfeRegistry } from './schema.ts';

export interface ArtifactRecord {
  name: string;
  version: number;
  commit: string;
  digest: string;
  location: string;
  size: number;
  status: string;
  createdAt: string;
}

/** Every accepted component and function build, versioned per artifact (the MFE and function registries). */
export interface BuildStore {
  /** Records an accepted component or function build as that artifact's next version. */
  recordArtifact(
    tenant: string,
    kind: 'component' | 'function',
    artifact: { name: string; commit: string; digest: string; location: string; size: number; status?: string },
  ): Promise<number>;
  /** The newest version of every artifact of a tenant. */
  latestArtifacts(tenant: string, kind: 'component' | 'function'): Promise<ArtifactRecord[]>;
}

export function buildStore(db: Db): BuildStore {
  return {
    async recordArtifact(tenant, kind, artifact) {
      // Retry on a lost race for the next version number (two platform replicas, one tenant).
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction(async (tx) => {
            if (kind === 'component') {
              const [row] = await tx
                .select({ v: max(mfeRegistry.version) })
                .from(mfeRegistry)
                .where(and(eq(mfeRegistry.tenant, tenant), eq(mfeRegistry.component, artifact.name)));
              const version = (row?.v ?? 0) + 1;
              await tx.insert(mfeRegistry).values({
                tenant,
                component: artifact.name,
                version,
                commit: artifact.commit,
                digest: artifact.digest,
                bundle: artifact.location,
                status: artifact.status ?? 'built',
                size: artifact.size,
              });
              return version;
            }
            const [row] = await tx
              .select({ v: max(functionRegistry.version) })
              .from(functionRegistry)
              .where(and(eq(functionRegistry.tenant, tenant), eq(functionRegistry.function, artifact.name)));
            const version = (row?.v ?? 0) + 1;
            await tx.insert(functionRegistry).values({
              tenant,
              function: artifact.name,
              version,
              commit: artifact.commit,
              digest: artifact.digest,
              file: artifact.location,
              status: artifact.status ?? 'built',
              size: artifact.size,
            });
            return version;
          });
        } catch (err) {
          if (!isUniqueViolation(err) || attempt >= 5) throw err;
        }
      }
    },
    async latestArtifacts(tenant, kind) {
      const rows =
        kind === 'component'
          ? await db.select().from(mfeRegistry).where(eq(mfeRegistry.tenant, tenant)).orderBy(asc(mfeRegistry.component), desc(mfeRegistry.version))
          : await db
              .select()
              .from(functionRegistry)
              .where(eq(functionRegistry.tenant, tenant))
              .orderBy(asc(functionRegistry.function), desc(functionRegistry.version));
      const latest = new Map<string, ArtifactRecord>();
      for (const row of rows as Array<Record<string, unknown>>) {
        const name = String(row.component ?? row.function);
        if (latest.has(name)) continue;
        latest.set(name, {
          name,
          version: Number(row.version),
          commit: String(row.commit),
          digest: String(row.digest),
          location: String(row.bundle ?? row.file),
          size: Number(row.size),
          status: String(row.status),
          createdAt: new Date(row.createdAt as string).toISOString(),
        });
      }
      return [...latest.values()];
    },
  };
}
