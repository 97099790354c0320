import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AgentEvent, AgentService } from '../agent/index.ts';
import { blueprintJsonSchema } from '../blueprint/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { checkTenantId } from '../tenants/index.ts';
import { createRelease, diffReleases, getRelease, listReleases } from '../releases/index.ts';
import { commitDetail, describeTools, revertCommit, runTool } from '../tools/index.ts';
import { ROLE_ABILITIES, TOOL_CALL, type Role } from '../auth/index.ts';
import { backupApi } from './backup-api.ts';
import { databaseApi } from './database-api.ts';
import { errorResponse } from './errors.ts';
import { fissionApi } from './fission-api.ts';
import { outsideWorldApi } from './outside-world-api.ts';
import { appUsersApi } from './app-users-api.ts';
import { previewApi } from './preview-api.ts';
import { snapshotsApi } from './snapshots-api.ts';
import { principalOf, routePolicies, type Env } from './policy.ts';
import { databaseChoice, databaseOf, readBody, readQuery, wholeNumber } from './validate.ts';

/** Tenant ids, roles, versions and prompts are checked by their subsystems, with their own codes. */
const newTenant = z.object({ id: z.unknown().optional() });
const memberChange = z.object({ role: z.unknown().optional(), direct: z.unknown().optional() });
const newRelease = z.object({ version: z.unknown().optional(), notes: z.unknown().optional() });
const agentPrompt = z.object({ prompt: z.string().regex(/\S/, 'expected a non-empty prompt').max(50_000) });
const page = z.object({ limit: wholeNumber.optional(), before: wholeNumber.optional() });
/** A deploy's body: `{}`, or `{"confirmDataLoss": true}` after a 409 CONFIRM_DATA_LOSS (owners only: the route is). */
const deployBody = z.object({ confirmDataLoss: z.boolean().optional() }).strict();
const rowsPage = z.object({ limit: wholeNumber.optional(), offset: wholeNumber.optional(), rowid: z.enum(['0', '1']).optional() }).merge(databaseChoice);
const logsQuery = z.object({ since: wholeNumber.optional(), limit: wholeNumber.optional(), follow: z.string().optional() });

/** The app's public (live) URL for a tenant, on the port the caller reached us at. */
export function tenantUrl(platform: Platform, id: string, c: Context, draft = false): string {
  const port = /:(\d+)$/.exec(c.req.header('host') ?? '')?.[1] ?? new URL(c.req.url).port;
  return `http://${draft ? 'draft.' : ''}${id}.${platform.config.appDomain}${port ? `:${port}` : ''}/`;
}

/** `/api/...` on the builder's origin: tenants, tools, schema. */
export function controlApi(platform: Platform, agent: AgentService): Hono<Env> {
  const api = new Hono<Env>();
  const { tenants, logger } = platform;
  const { signedIn, requireRole, audited } = routePolicies(platform);

  api.onError((err, c) => errorResponse(c, err, logger));
  api.notFound((c) => errorResponse(c, new TesseraError('NOT_FOUND', `No API route ${c.req.method} ${c.req.path}.`), logger));

  api.route('/', fissionApi(platform));
  api.route('/', backupApi(platform));
  api.route('/', outsideWorldApi(platform));
  api.route('/', databaseApi(platform));
  api.route('/', appUsersApi(platform));
  api.route('/', previewApi(platform));
  api.route('/', snapshotsApi(platform));
  api.get('/schema/blueprint', signedIn(), function blueprintSchema(c) {
    return c.json(blueprintJsonSchema());
  });
  api.get('/tools', signedIn(), function listTools(c) {
    return c.json({ tools: describeTools() });
  });

  /** The projects the caller belongs to (admins: all), with their role in each. */
  api.get('/tenants', signedIn(), async function listTenants(c) {
    const { user } = principalOf(c);
    const ids = await tenants.list();
    const roles = user.admin
      ? new Map(ids.map((id) => [id, 'owner' as Role]))
      : new Map((await platform.registry.membershipsOf(user.id)).map((m) => [m.tenant, m.role]));
    return c.json({
      tenants: ids
        .filter((id) => roles.has(id))
        .map((id) => ({ id, role: roles.get(id), url: tenantUrl(platform, id, c), draftUrl: tenantUrl(platform, id, c, true) })),
    });
  });

  /** Any signed-in user may start a project; they become its owner. */
  api.post('/tenants', audited('project.create', { projectInAnswer: 'id' }), signedIn(), async function createTenant(c) {
    const principal = principalOf(c);
    const id = checkTenantId((await readBody(c, newTenant, { hint: 'Send {"id": "<app name>"}.' })).id);
    const tenant = await tenants.create(id);
    await platform.registry.setMembership(id, principal.user.id, 'owner');
    return c.json({ ...tenant.summary(), role: 'owner', url: tenantUrl(platform, id, c), draftUrl: tenantUrl(platform, id, c, true) }, 201);
  });

  api.get('/tenants/:id', requireRole('viewer', 'reading the project'), async function getTenant(c) {
    const tenant = await tenants.get(c.req.param('id'));
    // The role check before this handler found it.
    const role = c.var.projectRole;
    return c.json({
      ...tenant.summary(),
      role,
      url: tenantUrl(platform, tenant.id, c),
      draftUrl: tenantUrl(platform, tenant.id, c, true),
      live: await platform.registry.liveVersion(tenant.id),
      blueprint: tenant.state.blueprint,
    });
  });

  /** Members with their roles; owners also see the invitations waiting for an answer. */
  api.get('/tenants/:id/members', requireRole('viewer', 'reading the members'), async function listMembers(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const invitations =
      c.var.projectRole === 'owner'
        ? (await platform.registry.invitationsTo(tenant.id)).map(({ id, invitee, role, invitedBy, createdAt }) => ({ id, invitee, role, invitedBy, createdAt }))
        : undefined;
    return c.json({ members: await platform.registry.listMembers(tenant.id), ...(invitations ? { invitations } : {}), abilities: ROLE_ABILITIES });
  });

  /**
   * `PUT /tenants/:id/members/<user id or email>` with `{"role": "editor"}`: a member's role changes
   * (200); anyone else is invited (202, the same answer whether or not the account exists). An admin
   * adds an existing account directly with `{"role": ..., "direct": true}` (200).
   */
  api.put('/tenants/:id/members/:user', audited('member.set', { target: 'user' }), requireRole('owner', 'managing members'), async function setMember(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const body = await readBody(c, memberChange, { hint: 'Send {"role": "owner" | "editor" | "viewer"}.' });
    const change = await platform.auth.setMember(tenant.id, c.req.param('user'), body.role, principalOf(c), body.direct === true);
    if ('invited' in change) {
      return c.json(
        {
          ...change,
          message: `Invited ${change.invited} as ${change.role}: once they accept (in the builder, or POST /api/invitations/<id>/accept), the project is in their list. If no account has this id or email yet, the invitation waits for one.`,
        },
        202,
      );
    }
    return c.json(change);
  });

  api.delete(
    '/tenants/:id/members/:user',
    audited('member.delete', { target: 'user' }),
    requireRole('owner', 'managing members'),
    async function removeMember(c) {
      const tenant = await tenants.get(c.req.param('id'));
      await platform.auth.removeMember(tenant.id, c.req.param('user'));
      return c.json({ ok: true });
    },
  );

  api.get('/tenants/:id/audit', requireRole('owner', 'reading the audit log'), async function projectAuditLog(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const query = readQuery(c, page);
    const before = Number(query.before ?? 0) || undefined;
    // This project's own entries: a deleted project's that had the same id are not its history.
    const project = (await platform.registry.projectOf(tenant.id)) ?? 'none';
    return c.json({ entries: await platform.audit.list({ project, limit: Number(query.limit ?? 100), ...(before ? { before } : {}) }) });
  });

  api.delete('/tenants/:id', audited('project.delete', { target: 'id' }), requireRole('owner', 'deleting the project'), async function deleteTenant(c) {
    await platform.deleteTenant(c.req.param('id'));
    return c.body(null, 204);
  });

  // The agent's tool calls check and audit through the same TOOL_CALL policy (agent/index.ts).
  api.post(
    '/tenants/:id/tools/:tool',
    audited((c) => TOOL_CALL.action(c.req.param('tool') ?? ''), { target: 'tool' }),
    requireRole(TOOL_CALL.role, (c) => TOOL_CALL.doing(c.req.param('tool') ?? '')),
    async function callTool(c) {
      // The tool's own schema checks the arguments (INVALID_ARGUMENTS naming each field).
      const args = await readBody(c, z.unknown());
      const result = await runTool(platform, c.req.param('id'), c.req.param('tool'), args, c.var.logger);
      return c.json({ ok: true, result });
    },
  );

  api.get('/tenants/:id/commits', requireRole('viewer', 'reading the history'), async function listCommits(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const query = readQuery(c, page);
    return c.json({ commits: await tenant.workspace.log(Number(query.limit ?? 50)) });
  });

  api.get('/tenants/:id/commits/:sha', requireRole('viewer', 'reading the history'), async function showCommit(c) {
    return c.json(await commitDetail(tenants, c.req.param('id'), c.req.param('sha')));
  });

  api.post(
    '/tenants/:id/commits/:sha/revert',
    audited('commit.revert', { target: 'sha' }),
    requireRole('editor', 'reverting a commit'),
    async function revert(c) {
      return c.json(await revertCommit(platform, c.req.param('id'), c.req.param('sha')));
    },
  );

  api.get('/tenants/:id/components', requireRole('viewer', 'reading the components'), async function listComponents(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const records = new Map((await platform.registry.latestArtifacts(tenant.id, 'component')).map((r) => [r.name, r]));
    return c.json({
      components: [...tenant.state.components.values()].map((built) => ({
        name: built.name,
        bytes: built.bytes,
        bundle: built.fileName,
        version: records.get(built.name)?.version ?? null,
        status: records.get(built.name)?.status ?? 'built',
        updatedAt: records.get(built.name)?.createdAt ?? null,
      })),
    });
  });

  /**
   * The app's npm packages from its lockfile: direct ones first, each with the exact version, who
   * imports it, what it pulled in, and the browser module the app serves for it.
   */
  api.get('/tenants/:id/packages', requireRole('viewer', 'reading the packages'), async function listPackages(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const set = tenant.state.packages;
    if (!set) return c.json({ packages: [] });
    const importers = (name: string) => ({
      components: [...tenant.state.components.values()]
        .filter((built) => built.packages?.includes(name))
        .map((built) => built.name)
        .sort(),
      functions: [...tenant.state.functions.values()]
        .filter((built) => built.packages?.includes(name))
        .map((built) => built.name)
        .sort(),
    });
    const direct = new Set(Object.values(set.root));
    const requiredBy = (key: string) =>
      [...set.packages.values()]
        .filter((pkg) => Object.values(pkg.deps).includes(key))
        .map((pkg) => pkg.key)
        .sort();
    const browserModules = Object.entries(tenant.state.packageAssets.imports);
    const packages = [...set.packages.values()]
      .sort((a, b) => Number(direct.has(b.key)) - Number(direct.has(a.key)) || a.key.localeCompare(b.key))
      .map((pkg) => {
        const modules = direct.has(pkg.key)
          ? browserModules
              .filter(([specifier]) => specifier === pkg.name || specifier.startsWith(`${pkg.name}/`))
              .map(([specifier, url]) => ({
                specifier,
                url,
                bytes: Buffer.byteLength(tenant.state.packageAssets.assets.get(url.split('/').pop()!)?.code ?? ''),
              }))
          : [];
        return {
          name: pkg.name,
          version: pkg.version,
          direct: direct.has(pkg.key),
          ...(direct.has(pkg.key) ? { usedBy: importers(pkg.name) } : { requiredBy: requiredBy(pkg.key) }),
          dependencies: Object.fromEntries(Object.entries(pkg.deps).map(([name, key]) => [name, set.packages.get(key)?.version ?? key])),
          integrity: pkg.integrity,
          browserModules: modules,
        };
      });
    return c.json({ packages });
  });

  api.get('/tenants/:id/files', requireRole('viewer', 'reading the files'), async function readFile(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const { path } = readQuery(c, z.object({ path: z.string().optional() }));
    if (!path) return c.json({ files: await tenant.workspace.list('') });
    const content = await tenant.workspace.read(path);
    if (content === null) throw new TesseraError('NOT_FOUND', `No file "${path}" in tenant "${tenant.id}".`);
    return c.json({ path, content });
  });

  api.get('/tenants/:id/database', requireRole('viewer', 'reading the database'), async function describeDatabase(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const db = tenant.db(databaseOf(c));
    return c.json({ version: await db.currentVersion(), tables: await db.describe() });
  });

  api.get('/tenants/:id/database/tables/:table/rows', requireRole('viewer', 'reading the database'), async function tableRows(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const table = c.req.param('table');
    const db = tenant.db(databaseOf(c));
    const known = await db.describe();
    if (!known.some((t) => t.name === table))
      throw new TesseraError('NOT_FOUND', `No table or view "${table}". Tables: ${known.map((t) => t.name).join(', ') || '(none)'}.`);
    const query = readQuery(c, rowsPage);
    const limit = Math.min(Math.max(Number(query.limit ?? 50) || 50, 1), 500);
    const offset = Math.max(Number(query.offset ?? 0) || 0, 0);
    // `?rowid=1`: for a table without a primary key, each row's rowid first: the key the row editor names its rows by.
    const info = known.find((t) => t.name === table)!;
    const withRowid =
      query.rowid === '1' &&
      info.type === 'table' &&
      !/WITHOUT\s+ROWID\s*$/i.test(info.sql) &&
      !info.columns.some((col) => col.primaryKey || col.name === 'rowid');
    const result = await db.readOnlyQuery(
      `SELECT ${withRowid ? 'rowid AS rowid, ' : ''}* FROM "${table.replace(/"/g, '""')}" LIMIT ? OFFSET ?`,
      [limit + 1, offset],
      {
        limit: limit + 1,
      },
    );
    return c.json({ table, offset, limit, columns: result.columns, rows: result.rows.slice(0, limit), more: result.rows.length > limit });
  });

  api.get('/tenants/:id/functions', requireRole('viewer', 'reading the functions'), async function listFunctions(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({
      functions: [...tenant.state.functions.values()].map((fn) => ({
        name: fn.name,
        file: fn.sourceFile,
        url: `/api/${fn.name}`,
        metrics: platform.runtime.metrics(tenant.id, fn.name),
      })),
    });
  });

  api.get('/tenants/:id/functions/:name/metrics', requireRole('viewer', 'reading the functions'), async function functionMetrics(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json(platform.runtime.metrics(tenant.id, c.req.param('name')));
  });

  /** `?since=<seq>&limit=N`; `?follow=1` (or Accept: text/event-stream) streams new records as server-sent events. */
  api.get('/tenants/:id/functions/:name/logs', requireRole('viewer', 'reading the logs'), async function functionLogs(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const name = c.req.param('name');
    const query = readQuery(c, logsQuery);
    const since = Number(query.since ?? 0) || 0;
    const limit = Math.min(Number(query.limit ?? 500) || 500, 2000);
    const records = platform.runtime.logs(tenant.id, { function: name, since, limit });
    const follow = query.follow === '1' || query.follow === 'true' || (c.req.header('accept') ?? '').includes('text/event-stream');
    if (!follow) return c.json({ logs: records });
    return streamSSE(c, async (stream) => {
      for (const record of records) await stream.writeSSE({ event: 'log', id: String(record.seq), data: JSON.stringify(record) });
      let queue = Promise.resolve();
      const stop = platform.runtime.followLogs(tenant.id, (record) => {
        if (record.function !== name) return;
        queue = queue.then(() => stream.writeSSE({ event: 'log', id: String(record.seq), data: JSON.stringify(record) })).catch(() => undefined);
      });
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      stop();
    });
  });

  api.post('/tenants/:id/releases', audited('release.create'), requireRole('owner', 'creating a release'), async function postRelease(c) {
    const body = await readBody(c, newRelease, { hint: 'Send {"version": "1.0.0", "notes": "..."}.' });
    const text = await tenants.withLock(c.req.param('id'), (tenant) =>
      createRelease(tenant, platform.registry, platform.artifacts, { version: body.version, notes: body.notes }, platform.styles),
    );
    return c.body(text, 201, { 'content-type': 'application/json; charset=utf-8' });
  });

  api.get('/tenants/:id/releases', requireRole('viewer', 'reading the releases'), async function getReleases(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({ releases: await listReleases(platform.registry, tenant.id) });
  });

  api.get('/tenants/:id/releases/:version', requireRole('viewer', 'reading the releases'), async function showRelease(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.body(await getRelease(platform.registry, tenant.id, c.req.param('version')), 200, { 'content-type': 'application/json; charset=utf-8' });
  });

  api.get('/tenants/:id/releases/:from/diff/:to', requireRole('viewer', 'reading the releases'), async function releaseDiff(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json(await diffReleases(tenant, platform.registry, c.req.param('from'), c.req.param('to')));
  });

  api.post(
    '/tenants/:id/releases/:version/deploy',
    audited('release.deploy', { target: 'version' }),
    requireRole('owner', 'deploying (or rolling back)'),
    async function deployRelease(c) {
      const tenant = await tenants.get(c.req.param('id'));
      const { confirmDataLoss } = await readBody(c, deployBody, { hint: 'Send {} or {"confirmDataLoss": true}.' });
      const result = await platform.deployer.deploy(tenant, c.req.param('version'), 'api', { confirmDataLoss: confirmDataLoss === true });
      return c.json({ ...result, url: tenantUrl(platform, tenant.id, c) });
    },
  );

  api.get('/tenants/:id/deployments', requireRole('viewer', 'reading the deployments'), async function deploymentHistory(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({ live: await platform.registry.liveVersion(tenant.id), deployments: await platform.registry.listDeployments(tenant.id) });
  });

  api.post('/tenants/:id/agent', audited('agent.run'), requireRole('editor', 'running the agent'), async function runAgent(c) {
    const id = c.req.param('id');
    const { prompt } = await readBody(c, agentPrompt, { hint: 'Send {"prompt": "..."}: a non-empty string of at most 50,000 characters.' });
    await tenants.get(id);
    const problem = agent.configProblem();
    if (problem) throw new TesseraError('MODEL_NOT_CONFIGURED', problem);
    if (agent.isRunning(id))
      throw new TesseraError('TENANT_BUSY', `An agent run is already building "${id}"; wait for it or cancel it (POST /api/tenants/${id}/agent/cancel).`);
    // The run goes on if the client disconnects (its history is saved); cancelling is explicit.
    return streamSSE(c, async (stream) => {
      let queue = Promise.resolve();
      const emit = (event: AgentEvent): void => {
        queue = queue.then(() => stream.writeSSE({ event: event.type, data: JSON.stringify(event) })).catch(() => undefined);
      };
      try {
        await agent.run(id, prompt, emit, { principal: principalOf(c), logger: c.var.logger });
      } catch (err) {
        const error = err instanceof TesseraError ? err : new TesseraError('INTERNAL', (err as Error).message);
        emit({ type: 'error', error: error.toJSON() });
        emit({ type: 'done', reason: 'error', text: '', steps: 0, usage: { promptTokens: 0, completionTokens: 0 }, message: error.message });
      }
      await queue;
    });
  });

  api.post('/tenants/:id/agent/cancel', audited('agent.cancel'), requireRole('editor', 'cancelling the agent'), async function cancelAgent(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({ cancelled: agent.cancel(tenant.id) });
  });

  api.get('/tenants/:id/agent', requireRole('viewer', "reading the agent's conversation"), async function agentHistory(c) {
    const id = c.req.param('id');
    const conversation = await agent.conversation(id);
    return c.json({ running: agent.isRunning(id), configured: agent.configProblem() === null, problem: agent.configProblem(), ...conversation });
  });

  return api;
}
