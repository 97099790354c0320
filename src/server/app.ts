import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { createAgentService, type AgentService } from '../agent/index.ts';
import { PROJECT_ROOT } from '../child-entry.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { tenantIdSchema } from '../names.ts';
import { controlApi } from './control-api.ts';
import { errorResponse } from './errors.ts';
import { hostAllowlistMiddleware, sameOriginWritesMiddleware } from './guards.ts';
import { draftView, tenantApp } from './tenant-app.ts';

/**
 * Which tenant a Host header addresses: `notes.localhost:3000` -> "notes"; the bare domain (or
 * an IP) -> null, meaning the builder's own origin.
 */
export function tenantFromHost(host: string | undefined, appDomain: string): string | null {
  if (!host) return null;
  const name = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${appDomain}`;
  if (!name.endsWith(suffix)) return null;
  return name.slice(0, -suffix.length);
}

/**
 * The whole HTTP surface, in order: health, tenant origins (by Host), the control API, the builder.
 * Tested in process with `app.request()`; `server/index.ts` binds it to a port.
 */
export function createApp(platform: Platform, options: { agent?: AgentService } = {}): Hono {
  const app = new Hono();
  const tenants = tenantApp(platform);
  const builderHtml = readFileSync(path.join(PROJECT_ROOT, 'web', 'builder', 'index.html'), 'utf8');
  const { logger } = platform;

  app.onError((err, c) => errorResponse(c, err, logger));

  app.use('*', hostAllowlistMiddleware(platform.config.appDomain, platform.config.publicHosts, logger));
  app.use('*', async function tenantHostMiddleware(c, next) {
    const label = tenantFromHost(c.req.header('host'), platform.config.appDomain);
    if (label === null) return next();
    // `draft.<app>` previews the newest commit; `<app>` serves the live release.
    const draft = label.startsWith('draft.');
    const id = draft ? label.slice('draft.'.length) : label;
    if (!tenantIdSchema.safeParse(id).success) {
      throw new TesseraError('INVALID_TENANT_ID', `"${id}" is not a valid app name: app host names are DNS labels (lowercase letters, digits, hyphens).`);
    }
    if (!platform.tenants.exists(id)) throw new TesseraError('TENANT_NOT_FOUND', `No app named "${id}" on this server.`);
    const tenant = await platform.tenants.get(id);
    const view = draft ? draftView(tenant) : await platform.deployer.liveView(tenant);
    return tenants.fetch(c.req.raw, { tenant, view, mode: draft ? 'draft' : 'live' });
  });

  app.get('/healthz', async (c) => {
    const isolation = await platform.runtime.isolation();
    return c.json({ status: 'ok', isolation, degraded: isolation !== 'bubblewrap' });
  });
  app.use('/api/*', sameOriginWritesMiddleware(logger));
  app.route('/api', controlApi(platform, options.agent ?? createAgentService(platform)));
  app.get('/', (c) => c.html(builderHtml));
  app.notFound((c) => errorResponse(c, new TesseraError('NOT_FOUND', `Nothing at ${c.req.path}.`), logger));
  return app;
}
