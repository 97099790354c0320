/**
 * Each route declares who may call it and how it is audited, where it is defined:
 *
 * ```ts
 * const { audited, requireRole } = routePolicies(platform);
 * api.post('/tenants/:id/releases', audited('release.create'), requireRole('owner', 'creating a release'), postRelease);
 * ```
 *
 * Every route has exactly one access policy (`publicRoute`, `ownCredential`, `signedIn`, `adminOnly`,
 * `requireRole`); every state-changing signed-in route also has `audited`, placed before the access
 * policy so that a refusal is recorded too. The factories tag the middleware they return, so that
 * `listRoutePolicies(app)` lists the policies of every route (routes.test.ts fails on a route without).
 */
import type { Context, Hono, Env as HonoEnv, MiddlewareHandler } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import type { Principal, Role } from '../auth/index.ts';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Platform } from '../platform.ts';

/** What the middleware before a handler found, in hono's typed context variables. */
export interface Env {
  Variables: {
    /** Who made the request; set on every route but the public ones. */
    principal: Principal;
    /** The caller's role in the project of a `requireRole` route. */
    projectRole: Role;
    /** The project a `requireRole` route is about (its `:id`). */
    tenant: string;
    /** Set by `audited`: `requireRole` then notes the project's record id before the handler runs. */
    audited: boolean;
    /** The project's record id before the handler ran, on audited project routes (a delete removes it). */
    project: string | null;
    /** The request's id: in the request log line, the `x-request-id` answer header and every log line of the request. */
    requestId: string;
    /** The root logger bound to `{ reqId }`. */
    logger: Logger;
  };
}

export type AccessPolicy =
  | { access: 'public' }
  | { access: 'own-credential'; credential: string; tenantParam?: string }
  | { access: 'signed-in' }
  | { access: 'admin' }
  | { access: 'project'; role: Role }
  /** An app's function on the app's origin: the access the function itself declares (public, an app user, an app admin). */
  | { access: 'function' };
export interface AuditPolicy {
  /** e.g. `release.create`; a function for actions named by a parameter (`tool.<name>`). */
  action: string | ((c: Context<Env>) => string);
  target?: AuditOptions['target'];
}

/** What listRoutePolicies() reads off a tagged middleware. */
const POLICY = Symbol('route policy');
type Tagged = MiddlewareHandler<Env> & { [POLICY]?: AccessPolicy | AuditPolicy };

function tag(handler: MiddlewareHandler<Env>, policy: AccessPolicy | AuditPolicy): MiddlewareHandler<Env> {
  (handler as Tagged)[POLICY] = policy;
  return handler;
}

/** The policy factories of a platform's routes (the role check and the audit log need it). */
export function routePolicies(platform: Platform) {
  return { publicRoute, signedIn, adminOnly, requireRole: requireRoleOf(platform), audited: auditedOf(platform) };
}

/** Anyone may call it, without a credential (signing in, the read path); mounted ahead of the credential check. */
export function publicRoute<E extends HonoEnv = Env>(): MiddlewareHandler<E> {
  return tag(
    async function publicRoute(_c, next) {
      await next();
    },
    { access: 'public' },
  ) as unknown as MiddlewareHandler<E>;
}

/**
 * A function of an app (`/api/:name` on the app's origin): who may call it is the function's own
 * declaration, so `check` reads it and throws (SIGN_IN_REQUIRED, FORBIDDEN) before the function runs.
 */
export function functionAccess<E extends HonoEnv>(check: (c: Context<E>) => Promise<void>): MiddlewareHandler<E> {
  return tag(
    async function functionAccess(c, next) {
      await check(c as unknown as Context<E>);
      await next();
    },
    { access: 'function' },
  ) as unknown as MiddlewareHandler<E>;
}

/**
 * A route for machines with a credential of its own instead of a user's (the data API's per-tenant
 * token); mounted ahead of the user credential check. `check` throws unless the request carries it.
 */
export function ownCredential(credential: string, check: (c: Context<Env>) => Promise<void>, options: { tenantParam?: string } = {}): MiddlewareHandler<Env> {
  return tag(
    async function ownCredential(c, next) {
      await check(c);
      await next();
    },
    { access: 'own-credential', credential, ...options },
  );
}

/** Any signed-in user (the credential check before every non-public route found who). */
export function signedIn(): MiddlewareHandler<Env> {
  return tag(
    async function signedIn(c, next) {
      principalOf(c);
      await next();
    },
    { access: 'signed-in' },
  );
}

/** Users, the whole audit log and the platform's own export: admins only. */
export function adminOnly(): MiddlewareHandler<Env> {
  return tag(
    async function adminOnly(c, next) {
      if (!principalOf(c).user.admin)
        throw new TesseraError('FORBIDDEN', 'Only an admin may do this (manage users, read the whole audit log, export the platform).');
      await next();
    },
    { access: 'admin' },
  );
}

/**
 * A `/tenants/:id...` route: the caller needs at least `role` in project `:id` (an admin acts as
 * owner). `doing` says what needs it, in the refusal ("deploying (or rolling back) needs owner").
 */
const requireRoleOf = (platform: Platform) =>
  function requireRole(role: Role, doing: string | ((c: Context<Env>) => string)): MiddlewareHandler<Env> {
    return tag(
      async function requireProjectRole(c, next) {
        const tenant = c.req.param('id');
        if (!tenant) throw new Error('requireRole is for routes with an :id parameter');
        c.set('tenant', tenant);
        // Which project the request is about, as it was before the handler ran (a delete removes it).
        if (c.get('audited')) c.set('project', (await platform.registry.projectOf(tenant)) ?? null);
        c.set('projectRole', await platform.auth.requireRole(principalOf(c), tenant, role, typeof doing === 'string' ? doing : doing(c)));
        await next();
      },
      { access: 'project', role },
    );
  };

/** Where an answered request names the project it touched, when its path does not. */
export interface AuditOptions {
  /** The route parameter naming what was touched (`version`, `user`...), or a fixed name; none: ''. */
  target?: string | { literal: string };
  /** A new project is named by the answer's `id` (also the target), an answered invitation by its `tenant`. */
  projectInAnswer?: 'id' | 'tenant';
}

/**
 * One audit record per state-changing request (who, what, on which project, the outcome), written
 * after the handler answered. Placed before the access policy: who tried what, and was refused,
 * matters too. An anonymous request has nobody to name (sign-ins record themselves).
 */
const auditedOf = (platform: Platform) =>
  function audited(action: AuditPolicy['action'], options: AuditOptions = {}): MiddlewareHandler<Env> {
    return tag(
      async function auditRequest(c, next) {
        c.set('audited', true);
        await next();
        const principal = c.get('principal');
        if (!principal) return;
        const status = c.res.status;
        let tenant: string | null = c.get('tenant') ?? null;
        let target = typeof options.target === 'string' ? (c.req.param(options.target) ?? '') : (options.target?.literal ?? '');
        if (options.projectInAnswer && status >= 200 && status < 300) {
          const answer = ((await c.res
            .clone()
            .json()
            .catch(() => null)) ?? {}) as Record<string, unknown>;
          const named = answer[options.projectInAnswer];
          tenant = typeof named === 'string' ? named : null;
          if (options.projectInAnswer === 'id') target = tenant ?? '';
        }
        await platform.audit.record({
          actor: principal.user.id,
          via: principal.via,
          tenant,
          project: c.get('project') ?? null,
          action: typeof action === 'string' ? action : action(c),
          target,
          outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'refused' : 'error',
          detail: { status, method: c.req.method, path: c.req.path },
        });
      },
      { action, ...(options.target === undefined ? {} : { target: options.target }) },
    );
  };

/** Who made the request; routes behind the credential check always have one. */
export function principalOf(c: Context<Env>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new TesseraError('UNAUTHORIZED', 'Not signed in.');
  return principal;
}

/** One row of the route table: a method and path with its declared policies. */
export interface RoutePolicy {
  method: string;
  path: string;
  access: AccessPolicy[];
  audit: AuditPolicy[];
  /** The policies in the order the route runs them. */
  order: Array<'access' | 'audit'>;
  /** The parameter naming the tenant the route is about (`:id` of a project route), for placement. */
  tenantParam?: string;
}

/**
 * Every route of an app (a method and path with a final handler) with the policies its middleware
 * declared. Middleware mounted with `app.use` (method ALL, no final handler) is not a route.
 */
export function listRoutePolicies(app: Pick<Hono, 'routes'>): RoutePolicy[] {
  const rows = new Map<string, RoutePolicy & { handlers: number }>();
  for (const { method, path, handler } of app.routes) {
    const key = `${method} ${path}`;
    const row = rows.get(key) ?? { method, path, access: [], audit: [], order: [], handlers: 0 };
    rows.set(key, row);
    // A sub-app with its own error handler wraps each of its handlers (hono-base.ts `route`).
    const inner = ((handler as unknown as Record<string, unknown>).__COMPOSED_HANDLER ?? handler) as Tagged;
    const policy = inner[POLICY];
    if (policy && 'access' in policy) {
      row.access.push(policy);
      row.order.push('access');
      const tenantParam = policy.access === 'project' ? 'id' : policy.access === 'own-credential' ? policy.tenantParam : undefined;
      if (tenantParam) row.tenantParam = tenantParam;
    } else if (policy) {
      row.audit.push(policy);
      row.order.push('audit');
    } else {
      row.handlers++;
    }
  }
  // `app.use` middleware (ALL with only untagged handlers and no route of its own) is not a route.
  return [...rows.values()]
    .filter((row) => !(row.method === 'ALL' && row.access.length === 0 && row.audit.length === 0 && row.path.endsWith('*')))
    .map(({ handlers: _, ...row }) => row);
}

/**
 * The tenant a request is about by the route it goes to: the `:id` of a `requireRole` route, the
 * tenant parameter of an `ownCredential` one. Placement (replicas) asks this before any route runs,
 * so it reads the declarations rather than the path's shape.
 */
export function tenantOfRoute(app: Pick<Hono, 'routes'>): (method: string, path: string) => string | null {
  const router = new TrieRouter<string>();
  for (const route of listRoutePolicies(app)) if (route.tenantParam) router.add(route.method, route.path, route.tenantParam);
  return (method, path) => {
    const [matches] = router.match(method === 'HEAD' ? 'GET' : method, path);
    for (const [param, params] of matches) {
      const value = (params as Record<string, string | undefined>)[param];
      if (!value) continue;
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
    return null;
  };
}
