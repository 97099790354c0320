import type { AuditLog } from '../audit/index.ts';
import type { TesseraError } from '../errors.ts';
import type { Principal } from './principal.ts';
import type { Role } from './roles.ts';

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
  const audit = (outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown>) =>
    deps.audit.record({ actor: principal.user.id, via: principal.via, tenant, action: policy.action, target: policy.target, outcome, detail });
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
