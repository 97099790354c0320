import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** Any drizzle PostgreSQL database: PGlite embedded, or `pg` against a server (through pgbouncer). */
export type Db = PgDatabase<PgQueryResultHKT>;

/** PostgreSQL's unique_violation, anywhere in an error's cause chain (drizzle wraps the driver's error). */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: string }).code === '23505') return true;
  return false;
}
