/**
 * The control API's routes that the builder and the CLI call, with what each takes and answers
 * (DESIGN.md is the contract; these are its shapes as TypeScript). wire/client.ts sends them; a
 * route is named as `METHOD /path` with `:param` segments, e.g. `GET /api/tenants/:id/releases`.
 */
import type { AuditRecord } from './audit.ts';
export type { AuditRecord };
import type { Blueprint } from './blueprint.ts';
import type { ErrorDetails, WireError } from './errors.ts';
import type { Role } from './ids.ts';
import type { FunctionLogRecord } from './logs.ts';

export interface Me {
  id: string;
  name: string;
  email: string | null;
  admin: boolean;
  hasPassword: boolean;
  via: string;
}

export interface ApiToken {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface TenantItem {
  id: string;
  role: Role;
  url: string;
  draftUrl: string;
}

export interface ProjectInfo {
  id: string;
  /** The signed-in user's role here (admins: owner). */
  role: Role;
  url: string;
  draftUrl: string;
  live: string | null;
  head: string;
  components: Array<{ name: string; bytes: number; hash: string }>;
  functions: Array<{ name: string; file: string; url: string }>;
  routes: string[];
  blueprint: Blueprint;
}

export interface ComponentRecord {
  name: string;
  bytes: number;
  bundle: string;
  version: number | null;
  status: string;
}

export interface PackageInfo {
  name: string;
  version: string;
  direct: boolean;
  usedBy?: { components: string[]; functions: string[] };
  requiredBy?: string[];
  dependencies: Record<string, string>;
  integrity: string;
  browserModules: Array<{ specifier: string; url: string; bytes: number }>;
}

export interface TableInfo {
  name: string;
  type: 'table' | 'view';
  /** The CREATE statement as SQLite keeps it. */
  sql: string;
  columns: Array<{ name: string; type: string; notNull: boolean; defaultValue: string | null; primaryKey: boolean }>;
  rowCount?: number;
  /** Tables only: each FOREIGN KEY constraint, its columns in order. */
  foreignKeys?: Array<{ columns: string[]; references: { table: string; columns: string[] }; onDelete: string }>;
  /** Tables only: indexes, including the implicit ones of UNIQUE and PRIMARY KEY constraints. */
  indexes?: Array<{ name: string; unique: boolean; origin: 'index' | 'unique' | 'primary key'; columns: string[] }>;
}

/** A cell as the row editor sends it (booleans are stored as 1/0). */
export type CellValue = string | number | boolean | null;
/** A row's key: its primary key's columns, or `rowid` for a table without a primary key. */
export type RowKey = Record<string, CellValue>;

export interface RowsPage {
  table: string;
  offset: number;
  limit: number;
  columns: string[];
  rows: Array<Record<string, unknown>>;
  more: boolean;
}

/** A message of the agent's saved conversation (OpenAI's chat format). */
export interface AgentMessage {
  role: 'user' | 'assistant' | 'tool' | 'system';
  content?: string | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface AgentHistory {
  running: boolean;
  configured: boolean;
  problem: string | null;
  messages: AgentMessage[];
  runs: Array<{ prompt: string }>;
}

export interface ReleaseSummary {
  version: string;
  commit: string;
  createdAt: string;
}

export interface ReleaseSnapshot {
  version: string;
  commit: string;
  components: Record<string, unknown>;
  functions: Record<string, unknown>;
}

/** Added, changed and removed names. */
export interface NameChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface ReleaseDiff {
  components: NameChanges;
  functions: NameChanges;
  blueprintChanged: boolean;
  patch: string;
}

export interface DeployResult {
  version: string;
  previous: string | null;
  url: string;
  warnings: string[];
  /** The live database's migrations the deploy applied (`from` = `to`: none) and the snapshot taken before them. */
  migrations: { from: number; to: number; snapshot: string | null };
}

/** What a deploy's migrations would lose in one table (the details of 409 CONFIRM_DATA_LOSS). */
export type DataLoss =
  | { table: string; rows: number; lost: 'table' }
  | { table: string; rows: number; lost: 'columns'; columns: string[] }
  | { table: string; rows: number; lost: 'rows'; rowsAfter: number };

/** A snapshot of an app's live database (`GET /api/tenants/:id/snapshots`, newest first). */
export interface SnapshotInfo {
  id: string;
  at: string;
  /** E.g. "before deploy 1.2.0", "before restore of <id>", "periodic", "manual" or the owner's own words. */
  reason: string;
  /** The release live when it was taken; null before the first deploy. */
  release: string | null;
  bytes: number;
  /** Who asked for it: a user id, or "platform" for periodic ones. */
  takenBy: string;
}

/** `POST /api/tenants/:id/snapshots/:snapshotId/restore`: what is live now, and the snapshot of the data just before (restore it to undo). */
export interface SnapshotRestore {
  restored: SnapshotInfo;
  before: SnapshotInfo;
  warnings: string[];
}

export interface Deployment {
  version: string;
  previousVersion: string | null;
  deployedAt: string;
  deployedBy: string;
}

export interface DeploymentHistory {
  live: string | null;
  deployments: Deployment[];
}

export interface CommitInfo {
  id: string;
  message: string;
  timestamp: number;
}

export interface CommitDiff {
  patch: string;
  files: Array<{ path: string; change: string }>;
}

export interface SecretInfo {
  name: string;
  updatedAt: string;
}

export interface SecretRequest {
  name: string;
  reason: string;
}

export interface Egress {
  allow: string[];
  pending: Array<{ host: string; reason: string; proposedAt: string }>;
}

export interface Member {
  userId: string;
  name: string;
  email: string | null;
  role: Role;
}

/** An invitation waiting for its answer, as the project's owners see it. */
export interface PendingInvitation {
  id: string;
  invitee: string;
  role: Role;
  invitedBy: string;
}

export interface MembersPage {
  members: Member[];
  /** Owners only. */
  invitations?: PendingInvitation[];
  /** What each role may do, in words. */
  abilities: Record<Role, string>;
}

/** An invitation to the signed-in user. */
export interface Invitation {
  id: string;
  tenant: string;
  role: Role;
  invitedBy: string;
  createdAt: string;
}

export interface UserInfo {
  id: string;
  name: string;
  email: string | null;
  admin: boolean;
  hasPassword: boolean;
  oidc: boolean;
  projects: Array<{ tenant: string; role: Role }>;
}

/** Files of an export, each base64. */
export interface ExportFiles {
  files: Array<{ path: string; content: string; secret?: boolean }>;
  names?: unknown;
}

export interface FissionExportOptions {
  dataUrl?: string;
  namespace?: string;
  executor?: string;
  minScale?: number;
  maxScale?: number;
  poolSize?: number;
  image?: string;
  runtimeClass?: string;
  routing?: string;
  canary?: { from: string; weight?: number };
}

/** `POST /api/backup`: the answer is the archive itself (application/gzip), read with `client.backup()`. */
export interface BackupOptions {
  /** Leave the sealing key out: the secrets in the archive then cannot be decrypted without it. */
  withoutKey?: boolean;
}

export interface ReadPathExportOptions {
  namespace?: string;
  databaseUrl?: string;
  deployToken?: string;
  image?: string;
  poolSize?: number;
  runtimeClass?: string;
}

/** What a tool answers (`POST .../tools/:name`): its result, or the error with its details (a line to show, problems). */
export type ToolReply<R = unknown> = { ok: true; result: R } | { ok: false; error: WireError & { details?: ErrorDetails } };

/** `invokeFunction`'s result. */
export interface InvocationResult {
  status: number;
  ms: number;
  headers: Record<string, string>;
  body: string;
  logs: string[];
}

/** `queryDatabase`'s result. */
export interface QueryResult {
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

/** A person who uses a generated app (not a builder user), as the app's owner sees them. */
export interface AppUserInfo {
  id: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

/** Who may sign up to an app on their own: anyone (`open`), no one (`invite` until invitations arrive, `closed`). */
export type AppSignupPolicy = 'open' | 'invite' | 'closed';

/**
 * A mail of an app (password resets, `@tessera/email`), kept for the owner to read. `via`: `outbox`
 * when the app has no SMTP (kept here only), `smtp` when it went to the app's SMTP server, with its
 * `status` (`sending`, `sent`, or `failed` and the `error`).
 */
export interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  via: 'outbox' | 'smtp';
  status: 'stored' | 'sending' | 'sent' | 'failed';
  error?: string;
  createdAt: string;
}

/** A shareable link to an app's draft (owners): whoever follows it may open the draft until `expiresAt`. */
export interface PreviewLink {
  url: string;
  expiresAt: string;
  /** Seconds, as asked (one day if not). */
  expiresIn: number;
}

/** A route's body and answer. `body: never`: the route takes none. */
interface Route<Body, Answer> {
  body: Body;
  answer: Answer;
}

/** Every route the builder and the CLI call. */
export interface Routes {
  'GET /api/me': Route<never, Me>;
  'GET /api/auth/methods': Route<never, { oidc: { label: string; start: string } | null }>;
  'POST /api/auth/password': Route<{ login: string; password: string }, unknown>;
  'POST /api/auth/token': Route<{ token: string }, unknown>;
  'POST /api/auth/logout': Route<Record<string, never>, unknown>;
  'PUT /api/me/password': Route<{ current?: string; password: string }, unknown>;
  'GET /api/tokens': Route<never, { tokens: ApiToken[] }>;
  'POST /api/tokens': Route<{ name: string }, { token: string }>;
  'DELETE /api/tokens/:id': Route<never, unknown>;
  'GET /api/tools': Route<never, unknown>;

  'GET /api/tenants': Route<never, { tenants: TenantItem[] }>;
  'POST /api/tenants': Route<{ id: string }, { id: string; url: string }>;
  'GET /api/tenants/:id': Route<never, ProjectInfo>;
  'DELETE /api/tenants/:id': Route<never, unknown>;
  'GET /api/tenants/:id/agent': Route<never, AgentHistory>;
  'POST /api/tenants/:id/agent/cancel': Route<Record<string, never>, { cancelled: boolean }>;
  'GET /api/tenants/:id/components': Route<never, { components: ComponentRecord[] }>;
  'GET /api/tenants/:id/files': Route<never, { path: string; content: string }>;
  'GET /api/tenants/:id/packages': Route<never, { packages: PackageInfo[] }>;
  'GET /api/tenants/:id/functions/:name/logs': Route<never, { logs: FunctionLogRecord[] }>;
  'GET /api/tenants/:id/database': Route<never, { version: number; tables: TableInfo[] }>;
  'GET /api/tenants/:id/database/tables/:table/rows': Route<never, RowsPage>;
  'POST /api/tenants/:id/database/tables/:table/rows': Route<{ values: Record<string, CellValue> }, { changes: number; row: Record<string, unknown> | null }>;
  'PATCH /api/tenants/:id/database/tables/:table/rows': Route<
    { key: RowKey; values: Record<string, CellValue> },
    { changes: number; row: Record<string, unknown> }
  >;
  'DELETE /api/tenants/:id/database/tables/:table/rows': Route<{ key: RowKey }, { changes: number }>;
  'POST /api/tenants/:id/database/refresh-draft': Route<Record<string, never>, { version: number; replayed: number }>;
  'GET /api/tenants/:id/snapshots': Route<never, SnapshotInfo[]>;
  'POST /api/tenants/:id/snapshots': Route<{ reason?: string }, SnapshotInfo>;
  'POST /api/tenants/:id/snapshots/:snapshotId/restore': Route<Record<string, never>, SnapshotRestore>;

  'GET /api/tenants/:id/releases': Route<never, { releases: ReleaseSummary[] }>;
  'POST /api/tenants/:id/releases': Route<{ version: string; notes?: string }, ReleaseSnapshot>;
  'GET /api/tenants/:id/releases/:from/diff/:to': Route<never, ReleaseDiff>;
  'POST /api/tenants/:id/releases/:version/deploy': Route<{ confirmDataLoss?: boolean }, DeployResult>;
  'POST /api/tenants/:id/releases/:version/export/fission': Route<FissionExportOptions, ExportFiles>;
  'POST /api/export/fission-read-path': Route<ReadPathExportOptions, ExportFiles>;
  'GET /api/tenants/:id/deployments': Route<never, DeploymentHistory>;
  'GET /api/tenants/:id/commits': Route<never, { commits: CommitInfo[] }>;
  'GET /api/tenants/:id/commits/:commit': Route<never, CommitDiff>;
  'POST /api/tenants/:id/commits/:commit/revert': Route<Record<string, never>, { commit: string }>;

  'GET /api/tenants/:id/secrets': Route<never, SecretInfo[]>;
  'PUT /api/tenants/:id/secrets/:name': Route<{ value: string }, unknown>;
  'DELETE /api/tenants/:id/secrets/:name': Route<never, unknown>;
  'GET /api/tenants/:id/secret-requests': Route<never, { requests: SecretRequest[] }>;
  'DELETE /api/tenants/:id/secret-requests/:name': Route<never, unknown>;
  'GET /api/tenants/:id/egress': Route<never, Egress>;
  'PUT /api/tenants/:id/egress': Route<{ allow: string[] }, Egress>;
  'DELETE /api/tenants/:id/egress/proposals/:host': Route<never, Egress>;

  'POST /api/tenants/:id/preview-links': Route<{ expiresIn?: number }, PreviewLink>;
  'GET /api/tenants/:id/members': Route<never, MembersPage>;
  'PUT /api/tenants/:id/members/:who': Route<{ role: string; direct?: boolean }, { userId?: string; invited?: string; role: Role }>;
  'DELETE /api/tenants/:id/members/:who': Route<never, unknown>;
  'GET /api/invitations': Route<never, { invitations: Invitation[] }>;
  'POST /api/invitations/:id/accept': Route<Record<string, never>, { tenant: string; role: Role }>;
  'POST /api/invitations/:id/decline': Route<Record<string, never>, { tenant: string; role: Role }>;
  'GET /api/users': Route<never, { users: UserInfo[] }>;
  'POST /api/users': Route<{ id: string; name?: string; email?: string; admin: boolean; password?: string }, { user: UserInfo; signInUrl: string }>;
  'PATCH /api/users/:id': Route<{ admin: boolean }, unknown>;
  'POST /api/users/:id/sign-in-link': Route<Record<string, never>, { signInUrl: string }>;
  'DELETE /api/users/:id': Route<never, unknown>;
  'GET /api/audit': Route<never, { entries: AuditRecord[] }>;

  'GET /api/tenants/:id/app-users': Route<never, { users: AppUserInfo[]; signup: AppSignupPolicy }>;
  'PATCH /api/tenants/:id/app-users/:userId': Route<{ role?: 'user' | 'admin'; disabled?: boolean }, { user: AppUserInfo }>;
  'DELETE /api/tenants/:id/app-users/:userId': Route<never, unknown>;
  'PUT /api/tenants/:id/app-auth': Route<{ signup: AppSignupPolicy }, { signup: AppSignupPolicy }>;
  'GET /api/tenants/:id/outbox': Route<never, { mail: OutboxMail[] }>;
  'GET /api/tenants/:id/audit': Route<never, { entries: AuditRecord[] }>;
}

export type RouteName = keyof Routes;
export type AnswerOf<R extends RouteName> = Routes[R]['answer'];
export type BodyOf<R extends RouteName> = Routes[R]['body'];

/** `{ id: string; version: string }` for `POST /api/tenants/:id/releases/:version/deploy`. */
export type ParamsOf<R extends string> = R extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & ParamsOf<`/${Rest}`>
  : R extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : unknown;
