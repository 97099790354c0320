import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { and, asc, desc, eq, max } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { TesseraError } from '../errors.ts';
import { agentMessages, agentSessions, deployments, functionRegistry, mfeRegistry, releases, tenants } from './schema.ts';

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

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

export interface ReleaseSummary {
  version: string;
  commit: string;
  createdAt: string;
}

/**
 * The control plane's state, behind one small interface with two backends: PGlite embedded in
 * `DATA_DIR/registry` (default) and a PostgreSQL server at `DATABASE_URL` (production, usually
 * through pgbouncer in transaction mode: every call is one statement or one transaction, with no
 * session state and unnamed prepared statements only).
 */
export interface Registry {
  readonly backend: 'pglite' | 'postgres';
  addTenant(id: string): Promise<void>;
  removeTenant(id: string): Promise<void>;
  /** Records an accepted component or function build as that artifact's next version. */
  recordArtifact(tenant: string, kind: 'component' | 'function', artifact: { name: string; commit: string; digest: string; location: string; size: number; status?: string }): Promise<number>;
  /** The newest version of every artifact of a tenant. */
  latestArtifacts(tenant: string, kind: 'component' | 'function'): Promise<ArtifactRecord[]>;
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
  /** Records one agent run (its token usage and outcome) and the messages it added to the conversation. */
  recordAgentRun(tenant: string, run: AgentRunRecord, messages: unknown[]): Promise<void>;
  listAgentRuns(tenant: string): Promise<AgentRunRecord[]>;
  close(): Promise<void>;
}

export interface AgentRunRecord {
  id: string;
  prompt: string;
  model: string;
  reason: string | null;
  steps: number;
  promptTokens: number;
  completionTokens: number;
  startedAt: string;
  endedAt: string | null;
}

type Db = PgDatabase<PgQueryResultHKT>;

function semverParts(version: string): { major: number; minor: number; patch: number; prerelease: string } {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version)!;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ?? '' };
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: string }).code === '23505') return true;
  return false;
}

function createRegistry(db: Db, backend: Registry['backend'], close: () => Promise<void>): Registry {
  return {
    backend,
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
        await tx.delete(tenants).where(eq(tenants.id, id));
      });
    },
    async recordArtifact(tenant, kind, artifact) {
      // Retry on a lost race for the next version number (two platform replicas, one tenant).
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction(async (tx) => {
            if (kind === 'component') {
              const [row] = await tx.select({ v: max(mfeRegistry.version) }).from(mfeRegistry).where(and(eq(mfeRegistry.tenant, tenant), eq(mfeRegistry.component, artifact.name)));
              const version = (row?.v ?? 0) + 1;
              await tx.insert(mfeRegistry).values({ tenant, component: artifact.name, version, commit: artifact.commit, digest: artifact.digest, bundle: artifact.location, status: artifact.status ?? 'built', size: artifact.size });
              return version;
            }
            const [row] = await tx.select({ v: max(functionRegistry.version) }).from(functionRegistry).where(and(eq(functionRegistry.tenant, tenant), eq(functionRegistry.function, artifact.name)));
            const version = (row?.v ?? 0) + 1;
            await tx.insert(functionRegistry).values({ tenant, function: artifact.name, version, commit: artifact.commit, digest: artifact.digest, file: artifact.location, status: artifact.status ?? 'built', size: artifact.size });
            return version;
          });
        } catch (err) {
          if (!isUniqueViolation(err) || attempt >= 5) throw err;
        }
      }
    },
    async latestArtifacts(tenant, kind) {
      const rows = kind === 'component'
        ? await db.select().from(mfeRegistry).where(eq(mfeRegistry.tenant, tenant)).orderBy(asc(mfeRegistry.component), desc(mfeRegistry.version))
        : await db.select().from(functionRegistry).where(eq(functionRegistry.tenant, tenant)).orderBy(asc(functionRegistry.function), desc(functionRegistry.version));
      const latest = new Map<string, ArtifactRecord>();
      for (const row of rows as Array<Record<string, unknown>>) {
        const name = String(row.component ?? row.function);
        if (latest.has(name)) continue;
        latest.set(name, { name, version: Number(row.version), commit: String(row.commit), digest: String(row.digest), location: String(row.bundle ?? row.file), size: Number(row.size), status: String(row.status), createdAt: new Date(row.createdAt as string).toISOString() });
      }
      return [...latest.values()];
    },
    async createRelease(tenant, release) {
      try {
        await db.insert(releases).values({ tenant, version: release.version, commit: release.commit, snapshot: release.snapshot, ...semverParts(release.version) });
      } catch (err) {
        if (isUniqueViolation(err)) throw new TesseraError('RELEASE_EXISTS', `Release ${release.version} of "${tenant}" already exists; releases never change. Choose a new version.`);
        throw err;
      }
    },
    async listReleases(tenant) {
      const rows = await db.select({ version: releases.version, commit: releases.commit, createdAt: releases.createdAt, major: releases.major, minor: releases.minor, patch: releases.patch, prerelease: releases.prerelease }).from(releases).where(eq(releases.tenant, tenant)).orderBy(asc(releases.major), asc(releases.minor), asc(releases.patch));
      return rows.map((r) => ({ version: r.version, commit: r.commit, createdAt: new Date(r.createdAt).toISOString() }));
    },
    async getRelease(tenant, version) {
      const [row] = await db.select({ snapshot: releases.snapshot }).from(releases).where(and(eq(releases.tenant, tenant), eq(releases.version, version)));
      return row?.snapshot ?? null;
    },
    async recordDeployment(tenant, version, by) {
      return db.transaction(async (tx) => {
        await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant)).for('update');
        const [current] = await tx.select({ version: deployments.version }).from(deployments).where(eq(deployments.tenant, tenant)).orderBy(desc(deployments.id)).limit(1);
        const previous = current?.version ?? null;
        await tx.insert(deployments).values({ tenant, version, previousVersion: previous, deployedBy: by });
        return { previous };
      });
    },
    async liveVersion(tenant) {
      const [row] = await db.select({ version: deployments.version }).from(deployments).where(eq(deployments.tenant, tenant)).orderBy(desc(deployments.id)).limit(1);
      return row?.version ?? null;
    },
    async listDeployments(tenant) {
      const rows = await db.select().from(deployments).where(eq(deployments.tenant, tenant)).orderBy(asc(deployments.id));
      return rows.map((r) => ({ version: r.version, previousVersion: r.previousVersion, deployedBy: r.deployedBy, deployedAt: new Date(r.deployedAt).toISOString() }));
    },
    async recordAgentRun(tenant, run, messages) {
      await db.transaction(async (tx) => {
        const values = { tenant, prompt: run.prompt, model: run.model, reason: run.reason, steps: run.steps, promptTokens: run.promptTokens, completionTokens: run.completionTokens, startedAt: new Date(run.startedAt), endedAt: run.endedAt ? new Date(run.endedAt) : null };
        await tx.insert(agentSessions).values({ id: run.id, ...values }).onConflictDoUpdate({ target: agentSessions.id, set: values });
        if (messages.length) await tx.insert(agentMessages).values(messages.map((message) => ({ tenant, sessionId: run.id, message })));
      });
    },
    async listAgentRuns(tenant) {
      const rows = await db.select().from(agentSessions).where(eq(agentSessions.tenant, tenant)).orderBy(asc(agentSessions.startedAt));
      return rows.map((r) => ({ id: r.id, prompt: r.prompt, model: r.model, reason: r.reason, steps: r.steps, promptTokens: r.promptTokens, completionTokens: r.completionTokens, startedAt: new Date(r.startedAt).toISOString(), endedAt: r.endedAt ? new Date(r.endedAt).toISOString() : null }));
    },
    close,
  };
}

/** Opens (and migrates) the registry: PostgreSQL when `databaseUrl` is set, else PGlite in `dataDir/registry`. */
export async function openRegistry(options: { databaseUrl?: string; dataDir?: string }): Promise<Registry> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    const db = drizzlePg(pool) as unknown as Db;
    await migratePg(drizzlePg(pool), { migrationsFolder: MIGRATIONS });
    return createRegistry(db, 'postgres', () => pool.end());
  }
  let client: PGlite;
  if (options.dataDir) {
    const dir = path.join(options.dataDir, 'registry');
    mkdirSync(dir, { recursive: true });
    client = await PGlite.create(dir);
  } else {
    client = await PGlite.create();
  }
  const db = drizzlePglite(client);
  await migratePglite(db, { migrationsFolder: MIGRATIONS });
  return createRegistry(db as unknown as Db, 'pglite', () => client.close());
}
