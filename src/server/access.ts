import type { Context, MiddlewareHandler } from 'hono';
import { requiredRole, type Principal, type Role } from '../auth/index.ts';
import { describeRequest } from '../audit/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';

/** Who made the request, for handlers after authMiddleware. */
const principals = new WeakMap<Request, Principal>();
export function rememberPrincipal(c: Context, principal: Principal): void {
  principals.set(c.req.raw, principal);
}
export function principalOf(c: Context): Principal {
  const principal = principals.get(c.req.raw);
  if (!principal) throw new TesseraError('UNAUTHORIZED', 'Not signed in.');
  return principal;
}
export const principalOrNull = (c: Context): Principal | null => principals.get(c.req.raw) ?? null;

/** The caller's role in the project of a `/api/tenants/:id` request, as the role check found it. */
const projectRoles = new WeakMap<Request, Role>();
export const projectRoleOf = (c: Context): Role | null => projectRoles.get(c.req.raw) ?? null;

/** What a route needs, in words, for the refusal message. */
function doing(method: string, rest: string): string {
  if (rest.startsWith('/tools/')) return `running the tool ${rest.slice('/tools/'.length)}`;
  if (rest === '/agent' && method === 'POST') return 'running the agent';
  if (/^\/releases\/[^/]+\/deploy$/.test(rest)) return 'deploying (or rolling back)';
  if (rest === '/releases' && method === 'POST') return 'creating a release';
  if (rest.startsWith('/members')) return 'managing members';
  if (rest === '/audit') return 'reading the audit log';
  if (rest === '' && method === 'DELETE') return 'deleting the project';
  return `${method} ${rest || '/'}`;
}

/**
 * Every `/api/tenants/:id...` route checks the caller's role in that project (roles.ts says which
 * role each route needs) before its handler runs.
 */
export function projectRoleMiddleware(platform: Platform): MiddlewareHandler {
  return async function requireProjectRole(c, next) {
    const match = /^\/api\/tenants\/([^/]+)(\/.*)?$/.exec(c.req.path);
    if (!match) return next();
    const tenant = decodeURIComponent(match[1]!);
    const rest = match[2] ?? '';
    const needed = requiredRole(c.req.method, rest);
    projectRoles.set(c.req.raw, await platform.auth.requireRole(principalOf(c), tenant, needed, doing(c.req.method, rest)));
    return next();
  };
}

/** Users, the whole audit log and the platform's own export: admins only. */
export function requireAdmin(c: Context): void {
  const { user } = principalOf(c);
  if (!user.admin) throw new TesseraError('FORBIDDEN', 'Only an admin may do this (manage users, read the whole audit log, export the platform).');
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * One audit record per state-changing control-API request (who, what, on which project, the outcome),
 * written after the handler answered. Refusals are recorded too: who tried what matters.
 */
export function auditMiddleware(platform: Platform): MiddlewareHandler {
  return async function auditRequest(c, next) {
    if (SAFE.has(c.req.method)) return next();
    const described = describeRequest(c.req.method, c.req.path);
    // Which project the request is about, as it was before the handler ran (a delete removes it).
    const project = described.tenant ? await platform.registry.projectOf(described.tenant) : null;
    await next();
    const principal = principalOrNull(c);
    if (!principal) return; // sign-in routes record themselves; an anonymous refusal has nobody to name
    const { action } = described;
    let target = described.target;
    const status = c.res.status;
    let tenant = described.tenant;
    // A new project's id is in the request body; the answer repeats it.
    if (action === 'project.create' && status === 201) {
      tenant = ((await c.res.clone().json()) as { id?: string }).id ?? null;
      target = tenant ?? '';
    }
    // An answered invitation names its project in the answer: the entry goes to that project's log.
    if (action.startsWith('invitation.') && status === 200) tenant = ((await c.res.clone().json()) as { tenant?: string }).tenant ?? null;
    await platform.audit.record({
      actor: principal.user.id,
      via: principal.via,
      tenant,
      project,
      action,
      target,
      outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'refused' : 'error',
      detail: { status, method: c.req.method, path: c.req.path },
    });
  };
}
