/**
 * The audit log: who did what, when, kept in the registry (append-only) and shown in the builder.
 * Every state-changing control-API request is recorded as its route declares (server/policy.ts
 * `audited`), the agent records each tool call it makes (auth's `enforceProjectPolicy`) and each run, and auth records sign-ins. A failed audit write
 * is logged loudly but does not undo what was done.
 */
import type { Logger } from '../log.ts';
import type { AuditInput, AuditRecord, AuditStore } from '../registry/index.ts';

export type { AuditInput, AuditRecord } from '../registry/index.ts';

export class AuditLog {
  constructor(private readonly deps: { registry: AuditStore; logger: Logger }) {}

  async record(entry: AuditInput): Promise<void> {
    try {
      await this.deps.registry.appendAudit(entry);
    } catch (err) {
      this.deps.logger.error({ err, audit: entry }, 'could not write the audit log');
    }
  }

  list(query: { tenant?: string; project?: string; limit?: number; before?: number }): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 100) || 100, 1), 500);
    return this.deps.registry.listAudit({
      ...(query.tenant !== undefined ? { tenant: query.tenant } : {}),
      ...(query.project !== undefined ? { project: query.project } : {}),
      limit,
      ...(query.before ? { before: query.before } : {}),
    });
  }
}
