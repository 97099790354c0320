/**
 * Tenant databases: one SQLite file per app, each opened in its own db host process so a runaway
 * query can be killed, with a SQL policy checked on both sides of the process boundary.
 */
export { splitStatements } from './split.ts';
export { checkStatements, refusalReason, type SqlMode } from './policy.ts';
export {
  createTenantDbPool,
  HOST_CHECK_MAX_BYTES,
  type DbKind,
  type PendingMigration,
  type TenantDb,
  type TenantDbPool,
  type TenantDbPoolOptions,
} from './pool.ts';
export type { DataLoss, ExecuteResult, ManyMigrationsResult, MigrationResult, ReadOnlyResult, TableInfo } from './protocol.ts';
