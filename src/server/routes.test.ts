import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { createApp } from './app.ts';
import { errorResponse } from './errors.ts';
import { tenantApp } from './tenant-app.ts';
import { listRoutePolicies, tenantOfRoute, type AccessPolicy, type AuditPolicy, type RoutePolicy } from './policy.ts';

let test: TestPlatform;
let app: ReturnType<typeof createApp>;
let routes: RoutePolicy[];

beforeAll(async () => {
  test = await createTestPlatform();
  app = createApp(test.platform);
  routes = listRoutePolicies(app);
});
afterAll(() => test.close());

const describeAccess = (access: AccessPolicy): string =>
  access.access === 'project' ? `role ${access.role}` : access.access === 'own-credential' ? `own credential (${access.credential})` : access.access;
const describeAudit = (audit: AuditPolicy): string => {
  const action = typeof audit.action === 'string' ? audit.action : `${audit.action.name || '(c) => ...'}`;
  const target = audit.target === undefined ? '' : typeof audit.target === 'string' ? ` target :${audit.target}` : ` target "${audit.target.literal}"`;
  return `audit ${action}${target}`;
};
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const find = (method: string, path: string): RoutePolicy => {
  const route = routes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`No route ${method} ${path}`);
  return route;
};

describe('route policies', () => {
  it('lists every route with its policy, and each has exactly one access policy', () => {
    const table = routes.map(
      (r) => `${r.method.padEnd(6)} ${r.path.padEnd(56)} ${[...r.access.map(describeAccess), ...r.audit.map(describeAudit)].join(', ') || 'NO POLICY'}`,
    );
    // The table, for reading: `npx vitest run src/server/routes.test.ts` prints it.
    console.info(`${routes.length} routes:\n${table.join('\n')}`);
    expect(routes.length).toBeGreaterThan(50);
    const withoutOne = routes.filter((r) => r.access.length !== 1).map((r) => `${r.method} ${r.path}`);
    expect(withoutOne).toEqual([]);
  });

  it('audits every state-changing route behind a credential, before its access check (so refusals are recorded too)', () => {
    const unaudited = routes.filter(
      (r) => !SAFE.has(r.method) && r.method !== 'ALL' && r.access[0]!.access !== 'public' && r.access[0]!.access !== 'own-credential' && r.audit.length !== 1,
    );
    expect(unaudited.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const auditAfterAccess = routes.filter((r) => r.order.indexOf('audit') > r.order.indexOf('access') && r.audit.length > 0);
    expect(auditAfterAccess.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('declares the known routes as the contract says', () => {
    const policy = (method: string, path: string) => {
      const route = find(method, path);
      return [...route.access.map(describeAccess), ...route.audit.map(describeAudit)].join(', ');
    };
    expect(policy('POST', '/api/tenants/:id/releases')).toBe('role owner, audit release.create');
    expect(policy('POST', '/api/auth/password')).toBe('public');
    expect(policy('POST', '/api/auth/token')).toBe('public');
    expect(policy('GET', '/api/auth/methods')).toBe('public');
    expect(policy('GET', '/api/auth/oidc/start')).toBe('public');
    expect(policy('GET', '/api/auth/oidc/callback')).toBe('public');
    expect(policy('ALL', '/api/serving/:name')).toBe('public');
    expect(policy('POST', '/data/v1/:tenant')).toBe('own credential (data token)');
    expect(policy('GET', '/api/users')).toBe('admin');
    expect(policy('GET', '/api/audit')).toBe('admin');
    expect(policy('POST', '/api/export/fission-read-path')).toBe('admin, audit export.create target "fission-read-path"');
    expect(policy('POST', '/api/backup')).toBe('admin, audit backup.create target "platform"');
    expect(policy('GET', '/api/tenants')).toBe('signed-in');
    expect(policy('POST', '/api/tenants')).toBe('signed-in, audit project.create');
    // Viewers read; editors run the agent and the tools and change code, secrets and egress; owners
    // release, deploy, export, delete, manage members and read the project's audit log.
    const roles: Array<[string, string, string]> = [
      ['GET', '/api/tenants/:id', 'viewer'],
      ['GET', '/api/tenants/:id/functions/:name/logs', 'viewer'],
      ['GET', '/api/tenants/:id/preview', 'viewer'],
      ['POST', '/api/tenants/:id/tools/:tool', 'editor'],
      ['POST', '/api/tenants/:id/agent', 'editor'],
      ['POST', '/api/tenants/:id/commits/:sha/revert', 'editor'],
      ['PUT', '/api/tenants/:id/secrets/:name', 'editor'],
      ['PUT', '/api/tenants/:id/egress', 'editor'],
      ['DELETE', '/api/tenants/:id', 'owner'],
      ['POST', '/api/tenants/:id/releases', 'owner'],
      ['POST', '/api/tenants/:id/releases/:version/deploy', 'owner'],
      ['POST', '/api/tenants/:id/releases/:version/export/fission', 'owner'],
      ['PUT', '/api/tenants/:id/members/:user', 'owner'],
      ['DELETE', '/api/tenants/:id/members/:user', 'owner'],
      ['GET', '/api/tenants/:id/audit', 'owner'],
      ['POST', '/api/tenants/:id/preview-links', 'owner'],
      ['GET', '/api/tenants/:id/snapshots', 'owner'],
      ['POST', '/api/tenants/:id/snapshots', 'owner'],
      ['POST', '/api/tenants/:id/snapshots/:snapshotId/restore', 'owner'],
      ['POST', '/api/tenants/:id/database/refresh-draft', 'editor'],
    ];
    for (const [method, path, role] of roles) expect(find(method, path).access, `${method} ${path}`).toEqual([{ access: 'project', role }]);
    // Every project route (with an :id) checks a role in it, and only those do.
    for (const route of routes.filter((r) => r.path.startsWith('/api/tenants/:id')))
      expect(route.access[0]!.access, `${route.method} ${route.path}`).toBe('project');
  });

  it('names each audited action and its target as the audit log always has', () => {
    const actions: Array<[string, string, string]> = [
      ['DELETE', '/api/tenants/:id', 'audit project.delete target :id'],
      ['POST', '/api/tenants/:id/agent', 'audit agent.run'],
      ['POST', '/api/tenants/:id/agent/cancel', 'audit agent.cancel'],
      ['POST', '/api/tenants/:id/releases/:version/deploy', 'audit release.deploy target :version'],
      ['POST', '/api/tenants/:id/releases/:version/export/fission', 'audit release.export.fission target :version'],
      ['POST', '/api/tenants/:id/commits/:sha/revert', 'audit commit.revert target :sha'],
      ['PUT', '/api/tenants/:id/members/:user', 'audit member.set target :user'],
      ['DELETE', '/api/tenants/:id/members/:user', 'audit member.delete target :user'],
      ['PUT', '/api/tenants/:id/secrets/:name', 'audit secret.set target :name'],
      ['DELETE', '/api/tenants/:id/secrets/:name', 'audit secret.delete target :name'],
      ['DELETE', '/api/tenants/:id/secret-requests/:name', 'audit secret-request.delete target :name'],
      ['PUT', '/api/tenants/:id/egress', 'audit egress.set'],
      ['POST', '/api/tenants/:id/preview-links', 'audit preview-link.create'],
      ['DELETE', '/api/tenants/:id/egress/proposals/:host', 'audit egress.dismiss target :host'],
      ['POST', '/api/tokens', 'audit token.create'],
      ['DELETE', '/api/tokens/:id', 'audit token.delete target :id'],
      ['POST', '/api/users', 'audit user.create'],
      ['PATCH', '/api/users/:id', 'audit user.update target :id'],
      ['DELETE', '/api/users/:id', 'audit user.delete target :id'],
      ['POST', '/api/users/:id/sign-in-link', 'audit user.sign-in-link target :id'],
      ['PUT', '/api/me/password', 'audit password.set'],
      ['POST', '/api/auth/logout', 'audit auth.logout'],
      ['POST', '/api/invitations/:id/accept', 'audit invitation.accept target :id'],
      ['POST', '/api/invitations/:id/decline', 'audit invitation.decline target :id'],
      ['POST', '/api/tenants/:id/snapshots', 'audit snapshot.create'],
      ['POST', '/api/tenants/:id/snapshots/:snapshotId/restore', 'audit snapshot.restore target :snapshotId'],
      ['POST', '/api/tenants/:id/database/refresh-draft', 'audit database.refresh-draft'],
    ];
    for (const [method, path, audit] of actions) expect(find(method, path).audit.map(describeAudit), `${method} ${path}`).toEqual([audit]);
    const tool = find('POST', '/api/tenants/:id/tools/:tool').audit[0]!;
    expect(typeof tool.action === 'function' && tool.action({ req: { param: () => 'createBackendFunction' } } as never)).toBe('tool.createBackendFunction');
  });
});

async function send(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await app.request(path, {
    method,
    headers: { host: 'localhost:3000', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
const signedIn = (method: string, path: string, body?: string, token = test.token) => send(method, path, body, { authorization: `Bearer ${token}` });

describe("route policies of an app's origin", () => {
  it("declares each route of <app>. and draft.<app>. (the shell, assets, functions by their declared access, the app users' routes)", () => {
    const appRoutes = listRoutePolicies(tenantApp(test.platform));
    console.info(
      `${appRoutes.length} app-origin routes:\n${appRoutes.map((r) => `${r.method.padEnd(6)} ${r.path.padEnd(40)} ${r.access.map(describeAccess).join(', ') || 'NO POLICY'}`).join('\n')}`,
    );
    expect(appRoutes.filter((r) => r.access.length !== 1).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const paths = appRoutes.map((r) => `${r.method} ${r.path}`);
    for (const route of [
      'POST /_tessera/auth/signup',
      'POST /_tessera/auth/signin',
      'GET /_tessera/auth/me',
      'ALL /api/:name{[^/]+}',
      'GET /_tessera/app.json',
      'GET /*',
    ])
      expect(paths).toContain(route);
    // A function's access is its own declaration (public, an app user, an app admin), read per call; everything else is public.
    for (const route of appRoutes)
      expect(route.access, `${route.method} ${route.path}`).toEqual([{ access: route.path.startsWith('/api/') ? 'function' : 'public' }]);
  });

  it('puts every route of draft.<app>. behind a preview grant, before the route (and its own policy) runs', async () => {
    expect((await signedIn('POST', '/api/tenants', '{"id": "gated"}')).status).toBe(201);
    const status = async (path: string, headers: Record<string, string>) => (await app.request(path, { headers })).status;
    /** The gate's refusal, told from a route's own 401 (the app users' `me` without a session). */
    const refusedByGate = async (path: string, headers: Record<string, string>) =>
      (await app.request(path, { headers })).headers.get('www-authenticate') === 'Bearer realm="tessera draft preview"';
    const draft = { host: 'draft.gated.localhost:3000' };
    for (const path of ['/', '/_tessera/app.json', '/_tessera/auth/me', '/_tessera/assets/nothing.js', '/api/anything']) {
      expect(await status(path, draft), path).toBe(401);
      expect(await refusedByGate(path, draft), path).toBe(true);
      expect(await refusedByGate(path, { ...draft, authorization: `Bearer ${test.token}` }), path).toBe(false);
    }
    expect(await status('/', { ...draft, authorization: `Bearer ${test.token}` })).toBe(200);
    // The live origin is public: nothing is live yet, and it says so.
    expect(await status('/_tessera/app.json', { host: 'gated.localhost:3000' })).toBe(404);
  });
});

describe('placement by the declared routes', () => {
  it('finds the tenant a request is about from the route it goes to, before any route runs', () => {
    const tenantOf = tenantOfRoute(app);
    expect(tenantOf('POST', '/api/tenants/notes/tools/createBackendFunction')).toBe('notes');
    expect(tenantOf('GET', '/api/tenants/notes')).toBe('notes');
    expect(tenantOf('HEAD', '/api/tenants/notes/releases')).toBe('notes');
    expect(tenantOf('DELETE', '/api/tenants/no%74es')).toBe('notes');
    expect(tenantOf('POST', '/data/v1/shop')).toBe('shop');
    for (const [method, path] of [
      ['GET', '/api/tenants'],
      ['POST', '/api/tenants'],
      ['GET', '/api/serving/releases'],
      ['GET', '/api/users/ada'],
      ['POST', '/api/invitations/inv_1/accept'],
      ['GET', '/healthz'],
    ]) {
      expect(tenantOf(method!, path!), `${method} ${path}`).toBeNull();
    }
  });
});

describe('input at the HTTP edge', () => {
  it('answers a body that does not fit with 400 INVALID_ARGUMENTS naming the field, on public routes', async () => {
    for (const [body, field] of [
      ['null', '(body)'],
      ['[]', '(body)'],
      ['"token"', '(body)'],
      ['{"token": 42}', 'token'],
      ['{"token": null}', 'token'],
    ] as const) {
      const answer = await send('POST', '/api/auth/token', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error.code, body).toBe('INVALID_ARGUMENTS');
      expect(answer.body.error.message, body).toContain(`- ${field}: `);
      expect(answer.body.error.details.problems[0].message, body).toMatch(new RegExp(`^${field.replace(/[()]/g, '\\$&')}: `));
    }
    const password = await send('POST', '/api/auth/password', '{"login": "ada", "password": ["x"]}');
    expect(password.status).toBe(400);
    expect(password.body.error).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringContaining('- password: ') });
    // Unparsable JSON keeps its own code.
    expect((await send('POST', '/api/auth/token', '{nope')).body.error.code).toBe('INVALID_JSON');
  });

  it('answers a body or query that does not fit with 400 on signed-in routes, never a 500', async () => {
    // A user of their own (TESSERA_TOKEN has no password and makes no API tokens).
    await test.platform.auth.createUser({ id: 'ada', email: 'ada@example.test' });
    const { token: ada } = await test.platform.auth.createApiToken('ada', 'routes test');
    const cases: Array<[string, string, string | undefined, string, string?]> = [
      ['POST', '/api/tenants', 'null', '(body)'],
      ['POST', '/api/tokens', '{"name": 7}', 'name', ada],
      ['PUT', '/api/me/password', 'null', '(body)', ada],
      ['PUT', '/api/me/password', '{"current": 1, "password": "a much longer password"}', 'current', ada],
      ['POST', '/api/users', '[1, 2]', '(body)'],
      ['GET', '/api/audit?limit=abc', undefined, 'limit'],
      ['GET', '/api/audit?before=-1', undefined, 'before'],
    ];
    for (const [method, path, body, field, token] of cases) {
      const answer = await signedIn(method, path, body, token);
      expect(answer.status, `${method} ${path} ${body}`).toBe(400);
      expect(answer.body.error.code).toBe('INVALID_ARGUMENTS');
      expect(answer.body.error.message).toContain(`- ${field}: `);
    }
    expect((await signedIn('POST', '/api/tenants', '{"id": "edge"}')).status).toBe(201);
    const project: Array<[string, string, string | undefined, string]> = [
      ['POST', '/api/tenants/edge/releases', 'null', '(body)'],
      ['PUT', '/api/tenants/edge/members/ada', '"owner"', '(body)'],
      ['PUT', '/api/tenants/edge/secrets/API_KEY', 'null', '(body)'],
      ['PUT', '/api/tenants/edge/egress', '{"allow": "api.example.com"}', 'allow'],
      ['POST', '/api/tenants/edge/agent', '{"prompt": 1}', 'prompt'],
      ['GET', '/api/tenants/edge/commits?limit=abc', undefined, 'limit'],
      ['GET', '/api/tenants/edge/audit?before=x', undefined, 'before'],
      ['GET', '/api/tenants/edge/functions/nope/logs?since=soon', undefined, 'since'],
    ];
    for (const [method, path, body, field] of project) {
      const answer = await signedIn(method, path, body);
      expect(answer.status, `${method} ${path} ${body}`).toBe(400);
      expect(answer.body.error.code).toBe('INVALID_ARGUMENTS');
      expect(answer.body.error.message).toContain(`- ${field}: `);
    }
    // Valid requests answer as before.
    expect((await signedIn('GET', '/api/tenants/edge/commits?limit=1')).body.commits).toHaveLength(1);
    expect((await signedIn('GET', '/api/audit?limit=2')).body.entries).toHaveLength(2);
  });

  it('answers every request with its id, and keeps a valid one given by the client (or another replica)', async () => {
    const health = await send('GET', '/healthz');
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await send('GET', '/api/tenants');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await send('GET', '/healthz', undefined, { 'x-request-id': 'abc-123' })).headers.get('x-request-id')).toBe('abc-123');
    expect((await send('GET', '/healthz', undefined, { 'x-request-id': 'no spaces, please' })).headers.get('x-request-id')).not.toBe('no spaces, please');
  });
});

describe('request logs', () => {
  /** The platform with a logger whose JSON lines the test reads. */
  function capturing(): { lines: Array<Record<string, any>>; logger: Logger } {
    const lines: Array<Record<string, any>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    return { lines, logger };
  }

  it('logs one line per request with its id, and the tool and refusal lines of the request under the same id', async () => {
    const { lines, logger } = capturing();
    const logged = createApp({ ...test.platform, logger });
    await logged.request('/api/tenants', {
      method: 'POST',
      headers: { host: 'localhost:3000', authorization: `Bearer ${test.token}`, 'content-type': 'application/json' },
      body: '{"id": "logged"}',
    });
    const call = await logged.request('/api/tenants/logged/tools/readFile', {
      method: 'POST',
      headers: { host: 'localhost:3000', authorization: `Bearer ${test.token}`, 'content-type': 'application/json' },
      body: '{"path": "nowhere.txt"}',
    });
    const id = call.headers.get('x-request-id');
    const ofCall = lines.filter((line) => line.reqId === id);
    expect(ofCall.find((line) => line.msg === 'request')).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/api/tenants/logged/tools/readFile',
      status: call.status,
      ms: expect.any(Number),
    });
    expect(ofCall.some((line) => line.tool === 'readFile' && line.tenant === 'logged')).toBe(true);
    const refused = await logged.request('/api/tenants/logged/tools/readFile', {
      method: 'POST',
      headers: { host: 'localhost:3000', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    const refusal = lines.filter((line) => line.reqId === refused.headers.get('x-request-id'));
    expect(refusal.map((line) => [line.level, line.code ?? line.status])).toEqual([
      [30, 'UNAUTHORIZED'],
      [30, 401],
    ]);
  });

  it('logs a system error at error level with its cause, a refusal at info', async () => {
    const { lines, logger } = capturing();
    const mini = new Hono();
    mini.onError((err, c) => errorResponse(c, err, logger));
    mini.get('/boom', () => {
      throw new Error('disk on fire');
    });
    mini.get('/no', () => {
      throw new TesseraError('FORBIDDEN', 'Not you.');
    });
    expect((await mini.request('/boom')).status).toBe(500);
    expect((await mini.request('/no')).status).toBe(403);
    expect(lines[0]).toMatchObject({ level: 50, code: 'INTERNAL', err: { message: 'disk on fire' } });
    expect(lines[1]).toMatchObject({ level: 30, code: 'FORBIDDEN', msg: 'Not you.' });
  });
});
