/**
 * The audit log: who did what, when, kept in the registry (append-only) and shown in the builder.
 * Every state-changing control-API request is recorded as its route declares (server/policy.ts
 * `audited`), the agent records each tool call it makes (`enforceProjectPolicy`) and each run, and auth records sign-ins. A failed audit write
 * is logged loudly but does not undo what was done.
 */
import type { Principal, Role } from '../auth/index.ts';
import type { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AuditInput, AuditRecord, Registry } from '../registry/index.ts';
import type { AuditRecord as WireAuditRecord } from '../../wire/audit.ts';

export type { AuditInput, AuditRecord } from '../registry/index.ts';

// The builder reads records as wire/audit.ts describes them: this stops compiling if the two drift apart.
const wireRecordMatches: [AuditRecord, WireAuditRecord] extends [WireAuditRecord, AuditRecord] ? true : false = true;
void wireRecordMatches;

export class AuditLog {
  constructor(private readonly deps: { registry: Registry; logger: Logger }) {}

  async record(entry: AuditInput): Promise<void> {
    try {
      await this.deps.registry.appendAudit(entry);
    } catch (err) {
      this.deps.logger.error({ err, audit: entry }, 'could not write the audit log');
    }
  }

  list(query: { tenant?: string; project?: string; limit?: number; before?: number }): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 100) || 100, 1), 500);
    return this.deps.registry.listAudit({ ...(query.tenant !== undefined ? { tenant: query.tenant } : {}), ...(query.project !== undefined ? { project: query.project } : {}), limit, ...(query.before ? { before: query.before } : {}) });
  }
}

/** What a project action needs and how it is recorded, as its route declares it (server/policy.ts). */
export interface ProjectPolicy {
  role: Role;
  /** What needs the role, for the refusal ("running the tool X"). */
  doing: string;
  action: string;
  target: string;
}

/**
 * Runs `act` for `principal` on project `tenant` under `policy`: refused (FORBIDDEN) without the
 * role, and audited in the principal's name with its outcome (refused, ok or error). The agent's
 * tool calls go through this with the tool route's policy (auth/roles.ts TOOL_CALL).
 */
export async function enforceProjectPolicy<T>(
  deps: { auth: { requireRole(principal: Principal, tenant: string, needed: Role, doing: string): Promise<Role> }; audit: AuditLog },
  policy: ProjectPolicy,
  principal: Principal,
  tenant: string,
  act: () => Promise<T>,
): Promise<T> {
  const audit = (outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown>) => deps.audit.record({ actor: principal.user.id, via: principal.via, tenant, action: policy.action, target: policy.target, outcome, detail });
  try {
    await deps.auth.requireRole(principal, tenant, policy.role, policy.doing);
  } catch (err) {
    await audit('refused', { code: (err as TesseraError).code });
    throw err;
  }
  try {
    const result = await act();
    await audit('ok', {});
    return result;
  } catch (err) {
    await audit('error', { code: (err as TesseraError).code ?? 'INTERNAL' });
    throw err;
  }
}
