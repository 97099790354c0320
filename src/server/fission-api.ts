import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { exportFission, exportReadPath, type ExportFile } from '../fission/index.ts';
import type { Platform } from '../platform.ts';
import { BadRequest, buildRequest } from '../runtime/sandbox/request.ts';
import { mapReply } from '../runtime/sandbox/response.ts';
import { READ_PATH_NAMES, readPathHandlers, type ReadPathName, type ReadPathStore } from '../serving/index.ts';
import { requireAdmin } from './access.ts';
import { readJsonBody } from './errors.ts';

const exportOptionsSchema = z
  .object({
    dataUrl: z.string().min(1).optional(),
    namespace: z.string().optional(),
    image: z.string().min(1).optional(),
    poolSize: z.number().int().min(0).max(100).optional(),
    runtimeClass: z.string().min(1).optional(),
    executor: z.enum(['poolmgr', 'newdeploy']).optional(),
    minScale: z.number().int().min(0).optional(),
    maxScale: z.number().int().min(1).optional(),
    routing: z.enum(['host', 'prefix']).optional(),
    canary: z.object({ from: z.string(), weight: z.number().int() }).strict().optional(),
  })
  .strict();

const readPathOptionsSchema = z
  .object({ namespace: z.string().optional(), databaseUrl: z.string().min(1).optional(), deployToken: z.string().min(16).optional(), image: z.string().min(1).optional(), poolSize: z.number().int().min(0).max(100).optional(), runtimeClass: z.string().min(1).optional() })
  .strict();

function parseOptions<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new TesseraError('INVALID_ARGUMENTS', `Export options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const encodeFiles = (files: ExportFile[]) => files.map((f) => ({ path: f.path, encoding: 'base64' as const, content: Buffer.from(f.content).toString('base64'), ...(f.secret ? { secret: true } : {}) }));

/**
 * Scale-out routes on the control API: the Fission export of a release (and of the platform's read
 * path), and the read path itself (`/api/serving/<name>`), answered by the very handlers that the
 * export bundles for Fission.
 */
export function fissionApi(platform: Platform): Hono {
  const api = new Hono();

  api.post('/tenants/:id/releases/:version/export/fission', async function exportRelease(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const options = parseOptions(exportOptionsSchema, await readJsonBody(c));
    const result = await exportFission({ registry: platform.registry, store: platform.artifacts }, tenant.id, c.req.param('version'), {
      ...options,
      dataUrl: options.dataUrl ?? platform.config.serverUrl,
      appDomain: platform.config.appDomain,
      limits: platform.config.functions,
    });
    platform.logger.info({ tenant: tenant.id, version: result.version, files: result.files.length }, 'release exported for Fission');
    return c.json({ tenant: result.tenant, version: result.version, namespace: result.namespace, names: result.names, files: encodeFiles(result.files) });
  });

  api.post('/export/fission-read-path', async function exportPlatformReadPath(c) {
    requireAdmin(c);
    const options = parseOptions(readPathOptionsSchema, await readJsonBody(c));
    const result = await exportReadPath(options);
    return c.json({ files: encodeFiles(result.files) });
  });

  const store: ReadPathStore = {
    liveVersion: (tenant) => platform.registry.liveVersion(tenant),
    getRelease: (tenant, version) => platform.registry.getRelease(tenant, version),
    listReleases: (tenant) => platform.registry.listReleases(tenant),
    // Here a deploy also swaps what this service serves, atomically (see Deployer).
    deploy: async (tenant, version, by) => platform.deployer.deploy(await platform.tenants.get(tenant), version, by),
  };
  const handlers = readPathHandlers(store, platform.config.deployToken ? { deployToken: platform.config.deployToken } : {});

  api.all('/serving/:name', async function readPath(c: Context) {
    const name = c.req.param('name') as ReadPathName;
    if (!READ_PATH_NAMES.includes(name)) throw new TesseraError('NOT_FOUND', `No read-path function "${name}"; there are ${READ_PATH_NAMES.join(', ')}.`);
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const url = new URL(c.req.url);
    let request: Record<string, unknown>;
    try {
      request = buildRequest({ method: c.req.method, url: `/${url.search}`, headers, body: new Uint8Array(await c.req.arrayBuffer()) });
    } catch (err) {
      if (err instanceof BadRequest) throw new TesseraError('INVALID_JSON', err.message);
      throw err;
    }
    const reply = await handlers[name]({ request: request as never });
    // The same mapping Fission's Express applies, so both answer byte for byte alike.
    const response = await mapReply({ status: reply.status, headers: reply.headers, body: reply.body, mode: 'send' }, c.req.method, platform.config.functions.maxResponseBytes);
    return new Response(response.body.length ? new Uint8Array(response.body) : null, { status: response.status, headers: response.headers });
  });

  return api;
}
