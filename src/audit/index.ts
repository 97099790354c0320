/**
 * The audit log: who did what, when, kept in the registry (append-only) and shown in the builder.
 * Every state-changing control-API request is recorded by one middleware (server/audit.ts), the
 * agent records each tool call it makes and each run, and auth records sign-ins. A failed audit write
 * is logged loudly but does not undo what was done.
 */
import type { Logger } from '../log.ts';
import type { AuditInput, AuditRecord, AuditStore } from '../registry/index.ts';
import type { AuditRecord as WireAuditRecord } from '../../wire/audit.ts';

export type { AuditInput, AuditRecord } from '../registry/index.ts';

// The builder reads records as wire/audit.ts describes them: this stops compiling if the two drift apart.
const wireRecordMatches: [AuditRecord, WireAuditRecord] extends [WireAuditRecord, AuditRecord] ? true : false = true;
void wireRecordMatches;

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
    return this.deps.registry.listAudit({ ...(query.tenant !== undefined ? { tenant: query.tenant } : {}), ...(query.project !== undefined ? { project: query.project } : {}), limit, ...(query.before ? { before: query.before } : {}) });
  }
}

/**
 * A readable action name for a control-API request: `tool.createFrontendComponent`,
 * `release.deploy`, `member.set`, ... with the tenant and target it touched.
 */
export function describeRequest(method: string, path: string): { action: string; tenant: string | null; target: string } {
  const parts = path.replace(/^\/api\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'tenants') {
    const tenant = parts[1] ?? null;
    const [resource, name, sub, subName] = parts.slice(2);
    if (!tenant) return { action: method === 'POST' ? 'project.create' : `${method.toLowerCase()} tenants`, tenant: null, target: '' };
    if (!resource) return { action: method === 'DELETE' ? 'project.delete' : `project.${method.toLowerCase()}`, tenant, target: tenant };
    const named = (verbs: Record<string, string>) => ({ action: `${singular(resource)}.${verbs[method] ?? method.toLowerCase()}`, tenant, target: name ?? '' });
    switch (resource) {
      case 'tools':
        return { action: `tool.${name ?? ''}`, tenant, target: name ?? '' };
      case 'agent':
        return { action: name === 'cancel' ? 'agent.cancel' : 'agent.run', tenant, target: '' };
      case 'releases':
        if (!name) return { action: 'release.create', tenant, target: '' };
        return { action: sub === 'deploy' ? 'release.deploy' : sub === 'export' ? `release.export.${subName ?? ''}` : `release.${method.toLowerCase()}`, tenant, target: name };
      case 'commits':
        return { action: sub === 'revert' ? 'commit.revert' : `commit.${method.toLowerCase()}`, tenant, target: name ?? '' };
      case 'egress':
        return { action: name === 'proposals' ? 'egress.dismiss' : 'egress.set', tenant, target: sub ?? '' };
      default:
        return named({ PUT: 'set', POST: 'create', DELETE: 'delete', PATCH: 'update' });
    }
  }
  const [resource, name, sub] = parts;
  const verb = ({ PUT: 'set', POST: 'create', DELETE: 'delete', PATCH: 'update' } as Record<string, string>)[method] ?? method.toLowerCase();
  if (resource === 'invitations') return { action: `invitation.${sub ?? verb}`, tenant: null, target: name ?? '' };
  if (resource === 'users' && sub) return { action: `user.${sub}`, tenant: null, target: name ?? '' };
  if (resource === 'me' && name) return { action: `${name}.${verb}`, tenant: null, target: '' };
  if (resource === 'auth') return { action: `auth.${name ?? ''}`, tenant: null, target: '' };
  return { action: `${singular(resource ?? '')}.${verb}${sub ? `.${sub}` : ''}`, tenant: null, target: name ?? '' };
}

const singular = (word: string): string => (word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.endsWith('s') ? word.slice(0, -1) : word);
