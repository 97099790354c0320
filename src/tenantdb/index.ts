export { splitStatements, tokenize } from './split.ts';
export { checkStatements, refusalReason, type SqlMode } from './policy.ts';
export { createTenantDbPool, type PendingMigration, type TenantDb, type TenantDbPool } from './pool.ts';
export type { ExecuteResult, MigrationResult, TableInfo } from './protocol.ts';
