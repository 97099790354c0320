import { agentRunStore, type AgentRunStore } from './agent-runs.ts';
import { appOutboxStore, type AppOutboxStore } from './app-outbox.ts';
import { snapshotStore, type SnapshotStore } from './app-snapshots.ts';
import { appUserStore, type AppUserStore } from './app-users.ts';
import { auditStore, type AuditStore } from './audit.ts';
import { buildStore, type BuildStore } from './builds.ts';
import { credentialStore, type CredentialStore } from './credentials.ts';
import { dataTokenStore, type DataTokenStore } from './data-tokens.ts';
import type { Db } from './db.ts';
import { dumpStore, type RegistryDumpStore } from './dump.ts';
import { egressRuleStore, type EgressRuleStore } from './egress-rules.ts';
import { invitationStore, type InvitationStore } from './invitations.ts';
import { leaseStore, type LeaseStore } from './leases.ts';
import { membershipStore, type MembershipStore } from './memberships.ts';
import { releaseStore, type ReleaseStore } from './releases.ts';
import { sealedSecretStore, type SealedSecretStore } from './secrets.ts';
import { tenantStore, type TenantStore } from './tenants.ts';
import { userStore, type UserStore } from './users.ts';

export type { Db } from './db.ts';
export type { RegistryDumpStore, RegistryDumpSummary } from './dump.ts';
export { TABLES_NOT_BACKED_UP } from './dump.ts';
export type { AgentRunRecord } from './agent-runs.ts';
export type { OutboxMail, OutboxStatus, OutboxVia } from './app-outbox.ts';
export type { SnapshotRecord } from './app-snapshots.ts';
export type { AppSignupPolicy, AppUserRecord, AppUserRole } from './app-users.ts';
export type { AuditInput, AuditRecord } from './audit.ts';
export type { ArtifactRecord } from './builds.ts';
export type { CredentialKind, CredentialRecord } from './credentials.ts';
export type { InvitationRecord } from './invitations.ts';
export type { LeaseRecord } from './leases.ts';
export type { Role } from './memberships.ts';
export type { ReleaseSummary } from './releases.ts';
export type { UserRecord } from './users.ts';
export type {
  AgentRunStore,
  AppOutboxStore,
  AppUserStore,
  AuditStore,
  BuildStore,
  CredentialStore,
  DataTokenStore,
  EgressRuleStore,
  InvitationStore,
  LeaseStore,
  MembershipStore,
  ReleaseStore,
  SealedSecretStore,
  SnapshotStore,
  TenantStore,
  UserStore,
};

/*
 * The registry's queries over any drizzle PostgreSQL database, with no driver and no migrator:
 * the Tessera service opens it through ./index.ts, and the read-path functions exported to Fission
 * bundle this file with `pg` alone (no PGlite, no migration files). Each concern's queries are in
 * their own file with their own small interface; a caller that needs one concern can take that
 * interface (e.g. `Pick<Registry, ...>` or `ReleaseStore`) instead of the whole registry.
 */

/**
 * The control plane's state, with two backends: PGlite embedded in `DATA_DIR/registry` (default) and
 * a PostgreSQL server at `DATABASE_URL` (production, usually through pgbouncer in transaction mode:
 * every call is one statement or one transaction, with no session state and unnamed prepared
 * statements only).
 */
export interface Registry
  extends TenantStore,
    BuildStore,
    ReleaseStore,
    AgentRunStore,
    DataTokenStore,
    SealedSecretStore,
    EgressRuleStore,
    UserStore,
    CredentialStore,
    MembershipStore,
    InvitationStore,
    LeaseStore,
    AuditStore,
    AppUserStore,
    AppOutboxStore,
    SnapshotStore,
    RegistryDumpStore {
  readonly backend: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export function createRegistry(db: Db, backend: Registry['backend'], close: () => Promise<void>): Registry {
  return {
    backend,
    ...tenantStore(db),
    ...buildStore(db),
    ...releaseStore(db),
    ...agentRunStore(db),
    ...dataTokenStore(db),
    ...sealedSecretStore(db),
    ...egressRuleStore(db),
    ...userStore(db),
    ...credentialStore(db),
    ...membershipStore(db),
    ...invitationStore(db),
    ...leaseStore(db),
    ...auditStore(db),
    ...appUserStore(db),
    ...appOutboxStore(db),
    ...snapshotStore(db),
    ...dumpStore(db),
    close,
  };
}
