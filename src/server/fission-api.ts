import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { exportFission, exportReadPath, type ExportFile } from '../fission/index.ts';
import type { Platform } from '../platform.ts';
import { BadRequest, buildRequest, mapReply } from '../runtime/index.ts';
import { READ_PATH_NAMES, readPathHandlers, type ReadPathName, type ReadPathStore } from '../serving/index.ts';
import { routePolicies, type Env } from './policy.ts';
import { readBody } from './validate.ts';

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
  .object({
    namespace: z.string().optional(),
    databaseUrl: z.string().min(1).optional(),
    deployToken: z.string().min(16).optional(),
    image: z.string().min(1).optional(),
    poolSize: z.number().int().min(0).max(100).optional(),
    runtimeClass: z.string().min(1).optional(),
  })
  .strict();

const encodeFiles = (files: ExportFile[]) =>
  files.map((f) => ({ path: f.path, encoding: 'base64' as const, content: Buffer.from(f.content).toString('base64'), ...(f.secret ? { secret: true } : {}) }));

/** Scale-out routes on the control API: the Fission export of a release, and of the platform's read path. */
export function fissionApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { adminOnly, requireRole, audited } = routePolicies(platform);

  api.post(
    '/tenants/:id/releases/:version/export/fission',
    audited('release.export.fission', { target: 'version' }),
    requireRole('owner', 'exporting a release'),
    async function exportRelease(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const options = await readBody(c, exportOptionsSchema, {
        hint: 'Export options (each optional): dataUrl, namespace, image, poolSize, runtimeClass, executor, minScale, maxScale, routing, canary.',
      });
      const result = await exportFission({ registry: platform.registry, store: platform.artifacts }, tenant.id, c.req.param('version'), {
        ...options,
        dataUrl: options.dataUrl ?? platform.config.serverUrl,
        appDomain: platform.config.appDomain,
        limits: platform.config.functions,
      });
      c.var.logger.info({ tenant: tenant.id, version: result.version, files: result.files.length }, 'release exported for Fission');
      return c.json({ tenant: result.tenant, version: result.version, namespace: result.namespace, names: result.names, files: encodeFiles(result.files) });
    },
  );

  api.post(
    '/export/fission-read-path',
    audited('export.create', { target: { literal: 'fission-read-path' } }),
    adminOnly(),
    async function exportPlatformReadPath(c) {
      const options = await readBody(c, readPathOptionsSchema, {
        hint: 'Read-path export options (each optional): namespace, databaseUrl, deployToken, image, poolSize, runtimeClass.',
      });
      const result = await exportReadPath(options);
      return c.json({ files: encodeFiles(result.files) });
    },
  );

  return api;
}

/**
 * The read path (`/api/serving/<name>`), answered by the very handlers that the export bundles for
 * Fission. Public, as the Fission routes are on a cluster: it answers what live apps already show the
 * world, and a deploy through it needs the deploy token (its own check).
 */
export function readPathApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { publicRoute } = routePolicies(platform);

  const store: ReadPathStore = {
    liveVersion: (tenant) => platform.registry.liveVersion(tenant),
    getRelease: (tenant, version) => platform.registry.getRelease(tenant, version),
    listReleases: (tenant) => platform.registry.listReleases(tenant),
    // Here a deploy also swaps what this service serves, atomically (see Deployer).
    deploy: async (tenant, version, by) => platform.deployer.deploy(await platform.tenants.get(tenant), version, by),
  };
  const handlers = readPathHandlers(store, platform.config.deployToken ? { deployToken: platform.config.deployToken } : {});

  api.all('/serving/:name', publicRoute(), async function readPath(c: Context<Env>) {
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
    const response = await mapReply(
      { status: reply.status, headers: reply.headers, body: reply.body, mode: 'send' },
      c.req.method,
      platform.config.functions.maxResponseBytes,
    );
    return new Response(response.body.length ? new Uint8Array(response.body) : null, { status: response.status, headers: response.headers });
  });

  return api;
}
