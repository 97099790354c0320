import { and, asc, desc, eq, inArray, isNull, lt, max, ne, or, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { TesseraError } from '../errors.ts';
import { agentMessages, agentSessions, auditLog, credentials, dataTokens, deployments, egressRules, functionRegistry, invitations, memberships, mfeRegistry, releases, secretRequests, tenantLeases, tenants, tenantSecrets, users } from './schema.ts';
import { invitationStore, type InvitationStore } from './invitations.ts';

export type { InvitationRecord } from './invitations.ts';

/*
 * The registry's queries over any drizzle PostgreSQL database, with no driver and no migrator:
 * the Tessera service opens it through ./index.ts, and the read-path functions exported to Fission
 * bundle this file with `pg` alone (no PGlite, no migration files).
 */

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
export interface Registry extends InvitationStore {
  readonly backend: 'pglite' | 'postgres';
  addTenant(id: string): Promise<void>;
  removeTenant(id: string): Promise<void>;
  /** Every tenant the registry knows, sorted: with several replicas, the list they all agree on. */
  listTenants(): Promise<string[]>;
  hasTenant(id: string): Promise<boolean>;
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
  /** Stores a new data-endpoint token of a tenant (only its sha256 is kept). */
  addDataToken(tenant: string, token: { hash: string; label: string }): Promise<void>;
  /** The tenant a data-endpoint token (by sha256) belongs to, or null for an unknown or revoked token. */
  dataTokenTenant(hash: string): Promise<string | null>;
  /** Revokes every data-endpoint token of a tenant with this label (e.g. a release), or all when no label. */
  revokeDataTokens(tenant: string, label?: string): Promise<number>;
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
  /** The egress rules of a tenant: allowed hosts and the model's proposals. */
  listEgress(tenant: string): Promise<Array<{ host: string; status: 'allowed' | 'proposed'; reason: string; createdAt: string }>>;
  /** Replaces the allowed hosts; proposals among them become allowed, the other proposals stay pending. */
  setEgressAllowlist(tenant: string, hosts: string[]): Promise<void>;
  /** A proposal by the model; no effect on a host already allowed. */
  proposeEgress(tenant: string, host: string, reason: string): Promise<'proposed' | 'already-allowed'>;
  dismissEgressProposal(tenant: string, host: string): Promise<boolean>;
  /** Users other than `except` (the built-in TESSERA_TOKEN administrator is not a person). */
  countUsers(except?: string): Promise<number>;
  /** USER_EXISTS (409) when the id or the email is taken. */
  addUser(user: { id: string; name: string; admin: boolean; email?: string | null; passwordHash?: string | null; oidcSubject?: string | null }): Promise<void>;
  getUser(id: string): Promise<UserRecord | null>;
  /** A user by email (lowercased) or by identity-provider subject. */
  findUser(by: { email?: string; oidcSubject?: string }): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  /** False when there is no such user; USER_EXISTS (409) when a new email is taken. */
  updateUser(id: string, patch: { name?: string; admin?: boolean; email?: string | null; passwordHash?: string | null; oidcSubject?: string | null }): Promise<boolean>;
  passwordHash(id: string): Promise<string | null>;
  /** Deletes a user with every credential and membership of theirs. */
  removeUser(id: string): Promise<boolean>;
  /** Adds a member or changes their role. */
  setMembership(tenant: string, userId: string, role: Role): Promise<void>;
  removeMembership(tenant: string, userId: string): Promise<boolean>;
  roleOf(tenant: string, userId: string): Promise<Role | null>;
  listMembers(tenant: string): Promise<Array<{ userId: string; name: string; email: string | null; role: Role; since: string }>>;
  /** The projects a user belongs to, with their role in each. */
  membershipsOf(userId: string): Promise<Array<{ tenant: string; role: Role }>>;
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
  /**
   * Appends an entry. One about a project carries the project's incarnation: the one given, else the
   * current project of that name (none when there is none).
   */
  appendAudit(entry: AuditInput): Promise<void>;
  /**
   * Newest first; `project` narrows to one incarnation of a project, `tenant` to every project that
   * had that name (deleted ones included), `before` pages by id.
   */
  listAudit(query: { tenant?: string; project?: string; limit: number; before?: number }): Promise<AuditRecord[]>;
  /** The current incarnation of a project id (see schema.ts `tenants.incarnation`), or null. */
  projectOf(tenant: string): Promise<string | null>;
  /** Stores a credential by the sha256 of its secret. */
  addCredential(credential: { kind: CredentialKind; userId: string; name?: string; secretHash: string; expiresAt?: Date }): Promise<number>;
  /** The live (not revoked, not expired) credential with this secret hash, of one of these kinds. */
  findCredential(secretHash: string, kinds: CredentialKind[]): Promise<CredentialRecord | null>;
  /** The same, with its user, in one query (the per-request lookup of sessions and API tokens). */
  findCredentialUser(secretHash: string, kinds: CredentialKind[]): Promise<{ credential: CredentialRecord; user: UserRecord } | null>;
  /** Marks a credential used now; a one-time kind is revoked by its use (atomically: only one use wins). */
  useCredential(id: number, once: boolean): Promise<boolean>;
  listCredentials(userId: string, kind: CredentialKind): Promise<CredentialRecord[]>;
  /** Revokes a credential of this user (or by its secret hash); false when there was none. */
  revokeCredential(userId: string, by: { id?: number; secretHash?: string }): Promise<boolean>;
  close(): Promise<void>;
}

export type CredentialKind = 'session' | 'api-token' | 'sign-in-link';
export interface UserRecord {
  id: string;
  name: string;
  admin: boolean;
  createdAt: string;
  email: string | null;
  hasPassword: boolean;
  /** Signs in through the identity provider. */
  oidc: boolean;
}
export type Role = 'owner' | 'editor' | 'viewer';
export interface LeaseRecord {
  mine: boolean;
  holder: string;
  holderUrl: string;
  /** Milliseconds the lease has left, as the database's clock sees it. */
  remainingMs: number;
  epoch: number;
}
export interface AuditInput {
  actor: string;
  /** How the actor acted: session, api-token, tessera-token, agent, system. */
  via: string;
  tenant?: string | null;
  /** The project's incarnation, when known at the time of the action (e.g. before it was deleted). */
  project?: string | null;
  action: string;
  target?: string;
  outcome?: 'ok' | 'refused' | 'error';
  detail?: Record<string, unknown>;
}
export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  via: string;
  tenant: string | null;
  /** Which incarnation of the project (a deleted one's id may have been created again since). */
  project: string | null;
  action: string;
  target: string;
  outcome: string;
  detail: Record<string, unknown>;
}
export interface CredentialRecord {
  id: number;
  kind: CredentialKind;
  userId: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
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

export type Db = PgDatabase<PgQueryResultHKT>;

function semverParts(version: string): { major: number; minor: number; patch: number; prerelease: string } {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version)!;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ?? '' };
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: string }).code === '23505') return true;
  return false;
}

export function createRegistry(db: Db, backend: Registry['backend'], close: () => Promise<void>): Registry {
  return {
    ...invitationStore(db),
    backend,
    async addTenant(id) {
      await db.insert(tenants).values({ id }).onConflictDoNothing();
    },
    async listTenants() {
      return (await db.select({ id: tenants.id }).from(tenants).orderBy(asc(tenants.id))).map((r) => r.id);
    },
    async hasTenant(id) {
      return (await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id))).length > 0;
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
    async addDataToken(tenant, token) {
      await db.insert(dataTokens).values({ tenant, tokenHash: token.hash, label: token.label });
    },
    async dataTokenTenant(hash) {
      const [row] = await db.select({ tenant: dataTokens.tenant }).from(dataTokens).where(and(eq(dataTokens.tokenHash, hash), isNull(dataTokens.revokedAt)));
      return row?.tenant ?? null;
    },
    async revokeDataTokens(tenant, label) {
      const where = label === undefined ? and(eq(dataTokens.tenant, tenant), isNull(dataTokens.revokedAt)) : and(eq(dataTokens.tenant, tenant), eq(dataTokens.label, label), isNull(dataTokens.revokedAt));
      const rows = await db.update(dataTokens).set({ revokedAt: new Date() }).where(where).returning({ id: dataTokens.id });
      return rows.length;
    },
    async putSecret(tenant, name, sealed) {
      await db.transaction(async (tx) => {
        await tx.insert(tenantSecrets).values({ tenant, name, sealed }).onConflictDoUpdate({ target: [tenantSecrets.tenant, tenantSecrets.name], set: { sealed, updatedAt: new Date() } });
        await tx.delete(secretRequests).where(and(eq(secretRequests.tenant, tenant), eq(secretRequests.name, name)));
      });
    },
    async listSecrets(tenant) {
      const rows = await db.select({ name: tenantSecrets.name, updatedAt: tenantSecrets.updatedAt }).from(tenantSecrets).where(eq(tenantSecrets.tenant, tenant)).orderBy(asc(tenantSecrets.name));
      return rows.map((r) => ({ name: r.name, updatedAt: new Date(r.updatedAt).toISOString() }));
    },
    async sealedSecrets(tenant) {
      const rows = await db.select().from(tenantSecrets).where(eq(tenantSecrets.tenant, tenant)).orderBy(asc(tenantSecrets.name));
      return rows.map((r) => ({ name: r.name, sealed: r.sealed, updatedAt: new Date(r.updatedAt).toISOString() }));
    },
    async deleteSecret(tenant, name) {
      const rows = await db.delete(tenantSecrets).where(and(eq(tenantSecrets.tenant, tenant), eq(tenantSecrets.name, name))).returning({ name: tenantSecrets.name });
      return rows.length > 0;
    },
    async requestSecret(tenant, name, reason) {
      await db.insert(secretRequests).values({ tenant, name, reason }).onConflictDoUpdate({ target: [secretRequests.tenant, secretRequests.name], set: { reason, requestedAt: new Date() } });
    },
    async listSecretRequests(tenant) {
      const rows = await db.select().from(secretRequests).where(eq(secretRequests.tenant, tenant)).orderBy(asc(secretRequests.name));
      return rows.map((r) => ({ name: r.name, reason: r.reason, requestedAt: new Date(r.requestedAt).toISOString() }));
    },
    async dismissSecretRequest(tenant, name) {
      const rows = await db.delete(secretRequests).where(and(eq(secretRequests.tenant, tenant), eq(secretRequests.name, name))).returning({ name: secretRequests.name });
      return rows.length > 0;
    },
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
        const [existing] = await tx.select({ status: egressRules.status }).from(egressRules).where(and(eq(egressRules.tenant, tenant), eq(egressRules.host, host)));
        if (existing?.status === 'allowed') return 'already-allowed' as const;
        await tx.insert(egressRules).values({ tenant, host, status: 'proposed', reason }).onConflictDoUpdate({ target: [egressRules.tenant, egressRules.host], set: { reason } });
        return 'proposed' as const;
      });
    },
    async dismissEgressProposal(tenant, host) {
      const rows = await db.delete(egressRules).where(and(eq(egressRules.tenant, tenant), eq(egressRules.host, host), eq(egressRules.status, 'proposed'))).returning({ host: egressRules.host });
      return rows.length > 0;
    },
    async countUsers(except) {
      const rows = await db.select({ id: users.id }).from(users).where(except === undefined ? undefined : ne(users.id, except)).limit(1);
      return rows.length;
    },
    async addUser(user) {
      const taken = await db.select({ id: users.id }).from(users).where(user.email ? or(eq(users.id, user.id), eq(users.email, user.email)) : eq(users.id, user.id)).limit(1);
      if (taken.length) throw new TesseraError('USER_EXISTS', `A user "${user.id}"${user.email ? ` or with email ${user.email}` : ''} exists already.`);
      await db.insert(users).values({ id: user.id, name: user.name, admin: user.admin ? 1 : 0, email: user.email ?? null, passwordHash: user.passwordHash ?? null, oidcSubject: user.oidcSubject ?? null });
    },
    async getUser(id) {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row ? userOf(row) : null;
    },
    async findUser(by) {
      const match = by.email !== undefined ? eq(users.email, by.email.toLowerCase()) : eq(users.oidcSubject, by.oidcSubject ?? '');
      const [row] = await db.select().from(users).where(match);
      return row ? userOf(row) : null;
    },
    async listUsers() {
      return (await db.select().from(users).orderBy(asc(users.id))).map(userOf);
    },
    async updateUser(id, patch) {
      if (patch.email) {
        const [other] = await db.select({ id: users.id }).from(users).where(and(eq(users.email, patch.email), ne(users.id, id)));
        if (other) throw new TesseraError('USER_EXISTS', `Another user has the email ${patch.email}.`);
      }
      const set: Partial<typeof users.$inferInsert> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.admin !== undefined) set.admin = patch.admin ? 1 : 0;
      if (patch.email !== undefined) set.email = patch.email;
      if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
      if (patch.oidcSubject !== undefined) set.oidcSubject = patch.oidcSubject;
      if (!Object.keys(set).length) return (await db.select({ id: users.id }).from(users).where(eq(users.id, id))).length > 0;
      return (await db.update(users).set(set).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
    },
    async passwordHash(id) {
      const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, id));
      return row?.hash ?? null;
    },
    async removeUser(id) {
      return db.transaction(async (tx) => {
        await tx.update(credentials).set({ revokedAt: new Date() }).where(and(eq(credentials.userId, id), isNull(credentials.revokedAt)));
        await tx.delete(memberships).where(eq(memberships.userId, id));
        const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, id));
        await tx.delete(invitations).where(inArray(invitations.invitee, user?.email ? [id, user.email] : [id]));
        return (await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id })).length > 0;
      });
    },
    async setMembership(tenant, userId, role) {
      await db.insert(memberships).values({ tenant, userId, role }).onConflictDoUpdate({ target: [memberships.tenant, memberships.userId], set: { role } });
    },
    async removeMembership(tenant, userId) {
      return (await db.delete(memberships).where(and(eq(memberships.tenant, tenant), eq(memberships.userId, userId))).returning({ tenant: memberships.tenant })).length > 0;
    },
    async roleOf(tenant, userId) {
      const [row] = await db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.tenant, tenant), eq(memberships.userId, userId)));
      return (row?.role as Role | undefined) ?? null;
    },
    async listMembers(tenant) {
      const rows = await db
        .select({ userId: memberships.userId, role: memberships.role, since: memberships.createdAt, name: users.name, email: users.email })
        .from(memberships)
        .leftJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.tenant, tenant))
        .orderBy(asc(memberships.userId));
      return rows.map((r) => ({ userId: r.userId, name: r.name ?? r.userId, email: r.email ?? null, role: r.role as Role, since: new Date(r.since).toISOString() }));
    },
    async membershipsOf(userId) {
      const rows = await db.select({ tenant: memberships.tenant, role: memberships.role }).from(memberships).where(eq(memberships.userId, userId)).orderBy(asc(memberships.tenant));
      return rows.map((r) => ({ tenant: r.tenant, role: r.role as Role }));
    },
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
      const current = await db.execute(sql`SELECT holder, holder_url, epoch, extract(epoch from (expires_at - now())) * 1000 AS remaining_ms FROM tenant_leases WHERE tenant = ${tenant}`);
      const found = ((current as unknown as { rows: LeaseRow[] }).rows ?? (current as unknown as LeaseRow[]))[0];
      // Gone between the two statements: try once more.
      return found ? leaseOf(found, holder) : this.acquireLease(tenant, holder, holderUrl, ttlMs);
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
    async appendAudit(entry) {
      const tenant = entry.tenant ?? null;
      const project = entry.project ?? (tenant ? sql`(select ${tenants.incarnation} from ${tenants} where ${tenants.id} = ${tenant})` : null);
      await db.insert(auditLog).values({ actor: entry.actor, via: entry.via, tenant, project, action: entry.action, target: entry.target ?? '', outcome: entry.outcome ?? 'ok', detail: JSON.stringify(entry.detail ?? {}) });
    },
    async listAudit(query) {
      const conditions = [
        query.tenant !== undefined ? eq(auditLog.tenant, query.tenant) : undefined,
        query.project !== undefined ? eq(auditLog.project, query.project) : undefined,
        query.before !== undefined ? lt(auditLog.id, query.before) : undefined,
      ].filter(Boolean);
      const rows = await db.select().from(auditLog).where(conditions.length ? and(...conditions) : undefined).orderBy(desc(auditLog.id)).limit(query.limit);
      return rows.map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, via: r.via, tenant: r.tenant, project: r.project, action: r.action, target: r.target, outcome: r.outcome, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    },
    async projectOf(tenant) {
      const [row] = await db.select({ incarnation: tenants.incarnation }).from(tenants).where(eq(tenants.id, tenant));
      return row?.incarnation ?? null;
    },
    async addCredential(credential) {
      const [row] = await db.insert(credentials).values({ kind: credential.kind, userId: credential.userId, name: credential.name ?? '', secretHash: credential.secretHash, expiresAt: credential.expiresAt ?? null }).returning({ id: credentials.id });
      return row!.id;
    },
    async findCredential(secretHash, kinds) {
      const [row] = await db.select().from(credentials).where(and(eq(credentials.secretHash, secretHash), inArray(credentials.kind, kinds), isNull(credentials.revokedAt)));
      if (!row || (row.expiresAt && new Date(row.expiresAt).getTime() <= Date.now())) return null;
      return credentialOf(row);
    },
    async findCredentialUser(secretHash, kinds) {
      const [row] = await db
        .select({ credential: credentials, user: users })
        .from(credentials)
        .innerJoin(users, eq(users.id, credentials.userId))
        .where(and(eq(credentials.secretHash, secretHash), inArray(credentials.kind, kinds), isNull(credentials.revokedAt)));
      if (!row || (row.credential.expiresAt && new Date(row.credential.expiresAt).getTime() <= Date.now())) return null;
      return { credential: credentialOf(row.credential), user: userOf(row.user) };
    },
    async useCredential(id, once) {
      const rows = await db.update(credentials).set(once ? { lastUsedAt: new Date(), revokedAt: new Date() } : { lastUsedAt: new Date() }).where(and(eq(credentials.id, id), isNull(credentials.revokedAt))).returning({ id: credentials.id });
      return rows.length > 0;
    },
    async listCredentials(userId, kind) {
      const rows = await db.select().from(credentials).where(and(eq(credentials.userId, userId), eq(credentials.kind, kind), isNull(credentials.revokedAt))).orderBy(asc(credentials.id));
      return rows.map(credentialOf);
    },
    async revokeCredential(userId, by) {
      const match = by.id !== undefined ? eq(credentials.id, by.id) : eq(credentials.secretHash, by.secretHash ?? '');
      const rows = await db.update(credentials).set({ revokedAt: new Date() }).where(and(match, eq(credentials.userId, userId), isNull(credentials.revokedAt))).returning({ id: credentials.id });
      return rows.length > 0;
    },
    close,
  };
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

function userOf(row: typeof users.$inferSelect): UserRecord {
  return { id: row.id, name: row.name, admin: row.admin === 1, createdAt: new Date(row.createdAt).toISOString(), email: row.email ?? null, hasPassword: Boolean(row.passwordHash), oidc: Boolean(row.oidcSubject) };
}

function credentialOf(row: typeof credentials.$inferSelect): CredentialRecord {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  return { id: row.id, kind: row.kind as CredentialKind, userId: row.userId, name: row.name, createdAt: iso(row.createdAt)!, expiresAt: iso(row.expiresAt), lastUsedAt: iso(row.lastUsedAt) };
}

