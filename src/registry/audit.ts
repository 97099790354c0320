import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { AuditRecord } from '../../wire/audit.ts';
import type { Db } from './db.ts';
import { auditLog, tenants } from './schema.ts';

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
/** What the log answers is what the builder and the CLI read (wire/audit.ts). */
export type { AuditRecord } from '../../wire/audit.ts';

/** The audit log: append-only, each project entry tagged with the project's incarnation. */
export interface AuditStore {
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
}

export function auditStore(db: Db): AuditStore {
  return {
    async appendAudit(entry) {
      const tenant = entry.tenant ?? null;
      const project = entry.project ?? (tenant ? sql`(select ${tenants.incarnation} from ${tenants} where ${tenants.id} = ${tenant})` : null);
      await db.insert(auditLog).values({
        actor: entry.actor,
        via: entry.via,
        tenant,
        project,
        action: entry.action,
        target: entry.target ?? '',
        outcome: entry.outcome ?? 'ok',
        detail: JSON.stringify(entry.detail ?? {}),
      });
    },
    async listAudit(query) {
      const conditions = [
        query.tenant !== undefined ? eq(auditLog.tenant, query.tenant) : undefined,
        query.project !== undefined ? eq(auditLog.project, query.project) : undefined,
        query.before !== undefined ? lt(auditLog.id, query.before) : undefined,
      ].filter(Boolean);
      const rows = await db
        .select()
        .from(auditLog)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(query.limit);
      return rows.map((r) => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        via: r.via,
        tenant: r.tenant,
        project: r.project,
        action: r.action,
        target: r.target,
        outcome: r.outcome,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
      }));
    },
  };
}
