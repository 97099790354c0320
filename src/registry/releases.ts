import { and, asc, desc, eq } from 'drizzle-orm';
import { TesseraError } from '../errors.ts';
import { type Db, isUniqueViolation } from './db.ts';
import { deployments, releases, tenants } from './schema.ts';

export interface ReleaseSummary {
  version: string;
  commit: string;
  createdAt: string;
}

/** Releases (immutable snapshots) and deployments (which release is live, as a chain). */
export interface ReleaseStore {
  /** Stores a release; RELEASE_EXISTS (409) when the version is taken. `snapshot` is stored as given. */
  createRelease(tenant: string, release: { version: string; commit: string; snapshot: string }): Promise<void>;
  listReleases(tenant: string): Promise<ReleaseSummary[]>;
  /** The snapshot text exactly as stored, or null. */
  getRelease(tenant: string, version: string): Promise<string | null>;
  /**
   * Makes `version` the live release, atomically: the previous live version is read and the new
   * deployment written in one transaction holding the tenant's row, so concurrent deploys of one
   * tenant are serialized and the history stays a chain. Returns the version it replaced.
   */
  recordDeployment(tenant: string, version: string, by: string): Promise<{ previous: string | null }>;
  /** The live version (the newest deployment), or null before the first deploy. */
  liveVersion(tenant: string): Promise<string | null>;
  listDeployments(tenant: string): Promise<Array<{ version: string; previousVersion: string | null; deployedBy: string; deployedAt: string }>>;
}

export function releaseStore(db: Db): ReleaseStore {
  return {
    async createRelease(tenant, release) {
      try {
        await db
          .insert(releases)
          .values({ tenant, version: release.version, commit: release.commit, snapshot: release.snapshot, ...semverParts(release.version) });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new TesseraError('RELEASE_EXISTS', `Release ${release.version} of "${tenant}" already exists; releases never change. Choose a new version.`);
        throw err;
      }
    },
    async listReleases(tenant) {
      const rows = await db
        .select({
          version: releases.version,
          commit: releases.commit,
          createdAt: releases.createdAt,
          major: releases.major,
          minor: releases.minor,
          patch: releases.patch,
          prerelease: releases.prerelease,
        })
        .from(releases)
        .where(eq(releases.tenant, tenant))
        .orderBy(asc(releases.major), asc(releases.minor), asc(releases.patch));
      return rows.map((r) => ({ version: r.version, commit: r.commit, createdAt: new Date(r.createdAt).toISOString() }));
    },
    async getRelease(tenant, version) {
      const [row] = await db
        .select({ snapshot: releases.snapshot })
        .from(releases)
        .where(and(eq(releases.tenant, tenant), eq(releases.version, version)));
      return row?.snapshot ?? null;
    },
    async recordDeployment(tenant, version, by) {
      return db.transaction(async (tx) => {
        await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant)).for('update');
        const [current] = await tx
          .select({ version: deployments.version })
          .from(deployments)
          .where(eq(deployments.tenant, tenant))
          .orderBy(desc(deployments.id))
          .limit(1);
        const previous = current?.version ?? null;
        await tx.insert(deployments).values({ tenant, version, previousVersion: previous, deployedBy: by });
        return { previous };
      });
    },
    async liveVersion(tenant) {
      const [row] = await db
        .select({ version: deployments.version })
        .from(deployments)
        .where(eq(deployments.tenant, tenant))
        .orderBy(desc(deployments.id))
        .limit(1);
      return row?.version ?? null;
    },
    async listDeployments(tenant) {
      const rows = await db.select().from(deployments).where(eq(deployments.tenant, tenant)).orderBy(asc(deployments.id));
      return rows.map((r) => ({
        version: r.version,
        previousVersion: r.previousVersion,
        deployedBy: r.deployedBy,
        deployedAt: new Date(r.deployedAt).toISOString(),
      }));
    },
  };
}

function semverParts(version: string): { major: number; minor: number; patch: number; prerelease: string } {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version)!;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ?? '' };
}
