import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The control plane's tables. Changing this file means a new migration: `npm run db:generate`
 * (drizzle-kit) writes it to `src/registry/migrations/`, which runs on start.
 */

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /**
   * Which project this is, beyond its name: new each time the id is created, so a deleted project's
   * id created again (by anyone) starts with an empty audit log. Audit entries carry it.
   */
  incarnation: text('incarnation').notNull().default(sql`gen_random_uuid()::text`),
});

/** Every accepted component build: one row per (tenant, component, version). */
export const mfeRegistry = pgTable(
  'mfe_registry',
  {
    id: serial('id').primaryKey(),
    tenant: text('tenant').notNull(),
    component: text('component').notNull(),
    version: integer('version').notNull(),
    commit: text('commit').notNull(),
    digest: text('digest').notNull(),
    bundle: text('bundle').notNull(),
    status: text('status').notNull(),
    size: integer('size').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('mfe_registry_version').on(t.tenant, t.component, t.version), index('mfe_registry_tenant').on(t.tenant)],
);

/** The functions' equivalent of the MFE registry. */
export const functionRegistry = pgTable(
  'function_registry',
  {
    id: serial('id').primaryKey(),
    tenant: text('tenant').notNull(),
    function: text('function').notNull(),
    version: integer('version').notNull(),
    commit: text('commit').notNull(),
    digest: text('digest').notNull(),
    file: text('file').notNull(),
    status: text('status').notNull(),
    size: integer('size').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('function_registry_version').on(t.tenant, t.function, t.version), index('function_registry_tenant').on(t.tenant)],
);

/** Immutable release snapshots; `snapshot` is the exact JSON text served forever. */
export const releases = pgTable(
  'releases',
  {
    tenant: text('tenant').notNull(),
    version: text('version').notNull(),
    major: integer('major').notNull(),
    minor: integer('minor').notNull(),
    patch: integer('patch').notNull(),
    prerelease: text('prerelease').notNull().default(''),
    commit: text('commit').notNull(),
    snapshot: text('snapshot').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.version] })],
);

/** Which release went live when, and by whom. */
export const deployments = pgTable(
  'deployments',
  {
    id: serial('id').primaryKey(),
    tenant: text('tenant').notNull(),
    version: text('version').notNull(),
    previousVersion: text('previous_version'),
    deployedBy: text('deployed_by').notNull(),
    deployedAt: timestamp('deployed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('deployments_tenant').on(t.tenant, t.id)],
);

export const agentSessions = pgTable('agent_sessions', {
  id: text('id').primaryKey(),
  tenant: text('tenant').notNull(),
  prompt: text('prompt').notNull(),
  model: text('model').notNull(),
  reason: text('reason'),
  steps: integer('steps').notNull().default(0),
  promptTokens: integer('prompt_tokens').notNull().default(0),
  completionTokens: integer('completion_tokens').notNull().default(0),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  endedAt: timestamp('ended_at', { withTimezone: true }),
});

export const agentMessages = pgTable(
  'agent_messages',
  {
    id: serial('id').primaryKey(),
    tenant: text('tenant').notNull(),
    sessionId: text('session_id').notNull(),
    message: jsonb('message').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [index('agent_messages_tenant').on(t.tenant, t.id)],
);

/**
 * Tokens that let a tenant's functions running elsewhere (Fission) reach that tenant's database
 * through the data endpoint. Only the sha256 is stored; each export mints one, labelled with the
 * release it was made for, so two exported releases keep working side by side until revoked.
 */
export const dataTokens = pgTable(
  'data_tokens',
  {
    id: serial('id').primaryKey(),
    tenant: text('tenant').notNull(),
    label: text('label').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('data_tokens_hash').on(t.tokenHash), index('data_tokens_tenant').on(t.tenant)],
);

/**
 * Tenant secrets, encrypted (AES-256-GCM, the tenant and name as associated data, so a row copied
 * to another tenant or name no longer decrypts). The key never reaches the registry.
 */
export const tenantSecrets = pgTable(
  'tenant_secrets',
  {
    tenant: text('tenant').notNull(),
    name: text('name').notNull(),
    /** base64 of iv (12 bytes) | auth tag (16 bytes) | ciphertext. */
    sealed: text('sealed').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.name] })],
);

/** Secrets the model said an app needs; the builder asks the user for their values. */
export const secretRequests = pgTable(
  'secret_requests',
  {
    tenant: text('tenant').notNull(),
    name: text('name').notNull(),
    reason: text('reason').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.name] })],
);

/** Hosts a tenant's functions may call: `allowed` by an owner, or `proposed` by the model and waiting for one. */
export const egressRules = pgTable(
  'egress_rules',
  {
    tenant: text('tenant').notNull(),
    host: text('host').notNull(),
    status: text('status').notNull(),
    reason: text('reason').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.host] })],
);

/** People who use the builder. The first is made on first start (see auth/). */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    admin: integer('admin').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Lowercased; how teammates are found and how an OIDC account meets an invited user. */
    email: text('email'),
    /** `scrypt$N$r$p$salt$hash` (see auth/passwords.ts); null: signs in by link, token or OIDC only. */
    passwordHash: text('password_hash'),
    /** `<issuer> <sub>` of the identity provider account this user signs in with. */
    oidcSubject: text('oidc_subject'),
  },
  (t) => [uniqueIndex('users_email').on(t.email), uniqueIndex('users_oidc_subject').on(t.oidcSubject)],
);

/** Who may do what in a project: owner, editor or viewer. Admins act as owners everywhere. */
export const memberships = pgTable(
  'memberships',
  {
    tenant: text('tenant').notNull(),
    userId: text('user_id').notNull(),
    role: text('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.userId] }), index('memberships_user').on(t.userId)],
);

/** Who did what, when: tool calls, agent runs, releases, deploys, members, users, tokens, sign-ins. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: serial('id').primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    via: text('via').notNull(),
    tenant: text('tenant'),
    action: text('action').notNull(),
    target: text('target').notNull().default(''),
    outcome: text('outcome').notNull().default('ok'),
    detail: text('detail').notNull().default('{}'),
    /** The project's incarnation (tenants.incarnation) when the entry is about one; null otherwise. */
    project: text('project'),
  },
  (t) => [index('audit_log_tenant').on(t.tenant, t.id), index('audit_log_project').on(t.project, t.id)],
);

/**
 * Invitations to a project: an owner names someone by user id or email (lowercased, as typed, whether
 * or not such an account exists, so the answer says nothing about who has one); the person with that
 * id or email accepts (becoming a member) or declines. Deleted with the project.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    tenant: text('tenant').notNull(),
    invitee: text('invitee').notNull(),
    role: text('role').notNull(),
    invitedBy: text('invited_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('invitations_tenant_invitee').on(t.tenant, t.invitee), index('invitations_invitee').on(t.invitee)],
);

/** Credentials, all stored as sha256 of the secret: browser sessions, personal API tokens, one-time sign-in links. */
export const credentials = pgTable(
  'credentials',
  {
    id: serial('id').primaryKey(),
    kind: text('kind').notNull(),
    userId: text('user_id').notNull(),
    name: text('name').notNull().default(''),
    secretHash: text('secret_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('credentials_secret').on(t.secretHash), index('credentials_user').on(t.userId, t.kind)],
);

/**
 * Which replica serves a tenant (several Tessera replicas on one shared volume): the holder alone
 * opens the tenant's repository and SQLite file until `expires_at`; it renews while it lives, and
 * any replica may take an expired lease. `epoch` grows with each change of holder.
 */
export const tenantLeases = pgTable('tenant_leases', {
  tenant: text('tenant').primaryKey(),
  holder: text('holder').notNull(),
  holderUrl: text('holder_url').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  epoch: integer('epoch').notNull().default(1),
});

/**
 * The people who use a generated app (not the builder's users): per tenant, here in the registry so
 * that tenant SQL (`@tessera/db`, the database browser, a release) can never read their passwords or
 * sessions. `email` is lowercased, so unique per tenant whatever its case. `role` is the app's own:
 * `user` or `admin`. Deleted with the tenant.
 */
export const appUsers = pgTable(
  'app_users',
  {
    id: text('id').primaryKey(),
    tenant: text('tenant').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').notNull().default('user'),
    disabled: integer('disabled').notNull().default(0),
    /** `scrypt$N$r$p$salt$hash`, as the builder's users' (auth/passwords.ts). */
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('app_users_tenant_email').on(t.tenant, t.email), index('app_users_tenant').on(t.tenant, t.createdAt)],
);

/** App users' browser sessions: only the sha256 of the cookie's token, bound to its tenant. */
export const appSessions = pgTable(
  'app_sessions',
  {
    id: serial('id').primaryKey(),
    tenant: text('tenant').notNull(),
    userId: text('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('app_sessions_token').on(t.tokenHash), index('app_sessions_user').on(t.tenant, t.userId)],
);

/** One-time password-reset tokens of app users (sha256 only), valid for an hour. */
export const appResetTokens = pgTable(
  'app_reset_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    tenant: text('tenant').notNull(),
    userId: text('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('app_reset_tokens_user').on(t.tenant, t.userId)],
);

/** Each app's own auth settings: who may sign up (`open`, `invite`, `closed`); no row means `open`. */
export const appAuthSettings = pgTable('app_auth_settings', {
  tenant: text('tenant').primaryKey(),
  signup: text('signup').notNull().default('open'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Mail an app would send (password resets, for now), kept for its owner to read until SMTP is set up. */
export const appOutbox = pgTable(
  'app_outbox',
  {
    id: text('id').primaryKey(),
    tenant: text('tenant').notNull(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    /** The mail's HTML part, when it had one. */
    html: text('html'),
    /** `outbox`: kept here only (the app has no SMTP); `smtp`: sent by the app's SMTP server as well. */
    via: text('via').notNull().default('outbox'),
    /** `stored` (outbox only), `sent` (the SMTP server took it) or `failed` (with `error`). */
    status: text('status').notNull().default('stored'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('app_outbox_tenant').on(t.tenant, t.createdAt)],
);

/**
 * Snapshots of an app's live database (the file is `DATA_DIR/tenants/<tenant>/db/snapshots/<id>.sqlite`):
 * taken before each deploy, migration and restore, periodically when the data changed, and by hand.
 */
export const appSnapshots = pgTable(
  'app_snapshots',
  {
    id: text('id').primaryKey(),
    tenant: text('tenant').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** Why it was taken, e.g. "before deploy 1.2.0", "periodic", "manual". */
    reason: text('reason').notNull(),
    /** The release live when it was taken (null before the first deploy). */
    release: text('release'),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    /** Who asked for it: a person's id, "api", or "platform" for the automatic ones. */
    takenBy: text('taken_by').notNull(),
  },
  (t) => [index('app_snapshots_tenant').on(t.tenant, t.at)],
);
