import { Hono, type Context } from 'hono';
import { blueprintJsonSchema } from '../blueprint/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { checkTenantId } from '../tenants/index.ts';
import { describeTools, runTool } from '../tools/index.ts';
import { errorResponse, readJsonBody } from './errors.ts';

/** The app's public URL for a tenant, on the port the caller reached us at. */
export function tenantUrl(platform: Platform, id: string, c: Context): string {
  const port = /:(\d+)$/.exec(c.req.header('host') ?? '')?.[1] ?? new URL(c.req.url).port;
  return `http://${id}.${platform.config.appDomain}${port ? `:${port}` : ''}/`;
}

/** `/api/...` on the builder's origin: tenants, tools, schema. */
export function controlApi(platform: Platform): Hono {
  const api = new Hono();
  const { tenants, logger } = platform;

  api.onError((err, c) => errorResponse(c, err, logger));
  api.notFound((c) => errorResponse(c, new TesseraError('NOT_FOUND', `No API route ${c.req.method} ${c.req.path}.`), logger));

  api.get('/schema/blueprint', (c) => c.json(blueprintJsonSchema()));
  api.get('/tools', (c) => c.json({ tools: describeTools() }));

  api.get('/tenants', async function listTenants(c) {
    const ids = await tenants.list();
    return c.json({ tenants: ids.map((id) => ({ id, url: tenantUrl(platform, id, c) })) });
  });

  api.post('/tenants', async function createTenant(c) {
    const body = await readJsonBody(c);
    const id = checkTenantId(typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined);
    const tenant = await tenants.create(id);
    return c.json({ ...tenant.summary(), url: tenantUrl(platform, id, c) }, 201);
  });

  api.get('/tenants/:id', async function getTenant(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({ ...tenant.summary(), url: tenantUrl(platform, tenant.id, c), blueprint: tenant.state.blueprint });
  });

  api.delete('/tenants/:id', async function deleteTenant(c) {
    await tenants.remove(c.req.param('id'));
    return c.body(null, 204);
  });

  api.post('/tenants/:id/tools/:tool', async function callTool(c) {
    const args = await readJsonBody(c);
    const result = await runTool(platform, c.req.param('id'), c.req.param('tool'), args);
    return c.json({ ok: true, result });
  });

  api.get('/tenants/:id/commits', async function listCommits(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({ commits: await tenant.workspace.log(Number(c.req.query('limit') ?? 50)) });
  });

  api.get('/tenants/:id/files', async function readFile(c) {
    const tenant = await tenants.get(c.req.param('id'));
    const path = c.req.query('path');
    if (!path) return c.json({ files: await tenant.workspace.list('') });
    const content = await tenant.workspace.read(path);
    if (content === null) throw new TesseraError('NOT_FOUND', `No file "${path}" in tenant "${tenant.id}".`);
    return c.json({ path, content });
  });

  api.get('/tenants/:id/database', async function describeDatabase(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({ version: await tenant.db.currentVersion(), tables: await tenant.db.describe() });
  });

  api.get('/tenants/:id/functions/:name/logs', async function functionLogs(c) {
    const tenant = await tenants.get(c.req.param('id'));
    return c.json({ logs: platform.runtime.logs(tenant.id, c.req.param('name')) });
  });

  return api;
}
