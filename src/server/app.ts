import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Hono } from 'hono';
import { createAgentService, type AgentService } from '../agent/index.ts';
import { PROJECT_ROOT } from '../project-root.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { tenantIdSchema } from '../names.ts';
import { draftAccess } from './app-check-access.ts';
import { authApi, credentialMiddleware, signInApi } from './auth-api.ts';
import { declaredBodyLimitMiddleware, streamedBodyLimitMiddleware } from './body-limit.ts';
import { confirmSignIn, signInWithLink } from './sign-in-page.ts';
import { controlApi } from './control-api.ts';
import { readPathApi } from './fission-api.ts';
import { dataApi } from './data-api.ts';
import { errorResponse } from './errors.ts';
import { hostAllowlistMiddleware, sameOriginWritesMiddleware, tenantFromHost } from './guards.ts';
import { clientAddress, placementMiddleware, type RouteTenant } from './placement.ts';
import { publicRoute, tenantOfRoute, type Env } from './policy.ts';
import { previewGate } from './preview-grants.ts';
import { requestLogMiddleware } from './request-log.ts';
import { draftView, tenantApp } from './tenant-app.ts';

export { tenantFromHost } from './guards.ts';

const BUILDER_DIR = path.join(PROJECT_ROOT, 'dist', 'builder');

/** The compressions the builder's assets are offered in, best first. */
type Encoding = 'br' | 'gzip';

interface BuilderAsset {
  body: Uint8Array;
  type: string;
  /**
   * Each compression made once, on its first request, in libuv's pool (not on the event loop), and
   * kept: made at load instead, every app instance (one per test) would pay for bytes never asked for.
   */
  encoded: Partial<Record<Encoding, Promise<Uint8Array>>>;
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

function compress(asset: BuilderAsset, encoding: Encoding): Promise<Uint8Array> {
  const made =
    asset.encoded[encoding] ??
    (encoding === 'br'
      ? brotli(asset.body, {
          params: {
            // Quality 9: 3-8% larger than 11 for a tenth of the time (about 60 ms, not 600, for the main script).
            [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: asset.body.byteLength,
          },
        })
      : gzip(asset.body, { level: zlib.constants.Z_BEST_COMPRESSION }));
  asset.encoded[encoding] = made;
  return made;
}

/** The best compression an `Accept-Encoding` header allows (brotli before gzip; `;q=0` refuses one), or none. */
function acceptedEncoding(header: string | undefined): Encoding | null {
  const accepted = new Set<string>();
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((p) => p.trim());
    const quality = params.find((p) => p.startsWith('q='));
    if (quality === undefined || Number(quality.slice(2)) > 0) accepted.add(name);
  }
  return accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : null;
}

/** The builder SPA as Vite built it (`npm run build`, run by `npm start` and `npm test` first). */
function loadBuilder(): { html: string; assets: Map<string, BuilderAsset> } {
  const assets = new Map<string, BuilderAsset>();
  if (!existsSync(path.join(BUILDER_DIR, 'index.html'))) {
    return {
      html: '<!doctype html><title>Tessera</title><p>The builder is not built yet: run <code>npm run build</code> (npm start does it first).</p>',
      assets,
    };
  }
  const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
  const dir = path.join(BUILDER_DIR, 'assets');
  for (const file of existsSync(dir) ? readdirSync(dir) : [])
    assets.set(file, { body: readFileSync(path.join(dir, file)), type: types[path.extname(file)] ?? 'application/octet-stream', encoded: {} });
  return { html: readFileSync(path.join(BUILDER_DIR, 'index.html'), 'utf8'), assets };
}

/**
 * The whole HTTP surface, in order: health, tenant origins (by Host), the data API, the public `/api`
 * routes (signing in, the read path), the credential check, the rest of `/api`, the builder. Each
 * route declares its own access and audit policy (policy.ts). Tested in process with `app.request()`;
 * `server/index.ts` binds it to a port.
 */
export function createApp(platform: Platform, options: { agent?: AgentService } = {}): Hono<Env> {
  const app = new Hono<Env>();
  const tenants = tenantApp(platform);
  const builder = loadBuilder();
  const admitToDraft = previewGate(platform);
  const { logger } = platform;
  // The app check opens drafts in Chromium through this app (app-check-access.ts).
  platform.appCheck.attach(draftAccess(platform, app));

  app.onError((err, c) => errorResponse(c, err, logger));

  app.use('*', requestLogMiddleware(logger));
  app.use('*', hostAllowlistMiddleware(platform.config.appDomain, platform.config.publicHosts, logger));
  // Every route's body limit (body-limit.ts): a declared length before placement (which may forward
  // the untouched body), a streamed one once the request is answered here.
  app.use('*', declaredBodyLimitMiddleware(platform.config, logger));
  // Placement runs before any route (it may forward the untouched body), with the tenant each route
  // declares; the routes are all added by the first request.
  let routeTenant: RouteTenant | undefined;
  app.use(
    '*',
    placementMiddleware(platform, () => (routeTenant ??= tenantOfRoute(app))),
  );
  app.use('*', streamedBodyLimitMiddleware(platform.config));
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
    const bindings = { mode: draft ? ('draft' as const) : ('live' as const), client: clientAddress(platform, c) };
    if (!draft) {
      const tenant = await platform.tenants.get(id);
      return tenants.fetch(c.req.raw, { ...bindings, tenant, view: await platform.deployer.liveView(tenant) });
    }
    // The draft is not public (preview-grants.ts): a grant first, consumed here; the app sees the request without it.
    const admitted = await admitToDraft(c, id);
    if (admitted instanceof Response) return admitted;
    const tenant = await platform.tenants.get(id);
    const res = await tenants.fetch(admitted, { ...bindings, tenant, view: draftView(tenant) });
    // Unreleased code and data stay out of shared caches (a CDN would hand them to anyone).
    const cache = res.headers.get('cache-control');
    if (cache?.includes('public')) res.headers.set('cache-control', cache.replace('public', 'private'));
    return res;
  });

  // Below here is the builder's origin: no page may frame it (clickjacking, or a hostile app framing
  // the signed-in builder to read or drive it). The read path answers exactly as its Fission functions do.
  app.use('*', async function noFraming(c, next) {
    await next();
    if (c.req.path.startsWith('/api/serving/')) return;
    // The builder's preview iframe starts here and is sent on to the draft origin (a redirect shows nothing).
    if (c.res.status === 302 && /^\/api\/tenants\/[^/]+\/preview$/.test(c.req.path)) return;
    c.res.headers.set('x-frame-options', 'DENY');
    c.res.headers.set('content-security-policy', "frame-ancestors 'none'");
  });
  app.get('/healthz', publicRoute(), async function health(c) {
    const isolation = await platform.runtime.isolation();
    return c.json({
      status: 'ok',
      isolation,
      degraded: isolation !== 'bubblewrap',
      appCheck: platform.appCheck.mode,
      ...(platform.placement.replicated ? { replica: platform.placement.id } : {}),
    });
  });
  // Functions on Fission reach their tenant's database here, with a per-tenant token (not a browser session).
  app.route('/data', dataApi(platform));
  app.use('/api/*', sameOriginWritesMiddleware(logger));
  // Public routes answer before the credential check below (hono runs handlers in the order they were added).
  app.route('/api', signInApi(platform));
  app.route('/api', readPathApi(platform));
  app.use('/api/*', credentialMiddleware(platform));
  app.route('/api', authApi(platform));
  app.route('/api', controlApi(platform, options.agent ?? createAgentService(platform)));
  app.get('/', publicRoute(), function builderPage(c) {
    const token = c.req.query('token');
    if (token) return signInWithLink(platform, c, token);
    return c.html(builder.html, 200, { 'cache-control': 'no-cache' });
  });
  // The builder's own addresses (`/apps/<id>/<section>/<item>`): the same page, which reads the path.
  app.get('/apps/*', publicRoute(), function builderDeepLink(c) {
    return c.html(builder.html, 200, { 'cache-control': 'no-cache' });
  });
  // The confirmation page's form (a same-origin POST; see sign-in-page.ts). Outside /api: a form
  // cannot send the JSON that the control API's cross-site guard asks of every write.
  app.post('/sign-in', publicRoute(), function confirmSignInForm(c) {
    return confirmSignIn(platform, c);
  });
  app.get('/assets/:file', publicRoute(), async function builderAsset(c) {
    const asset = builder.assets.get(c.req.param('file'));
    if (!asset) throw new TesseraError('NOT_FOUND', `No builder asset ${c.req.param('file')}.`);
    // Text assets go compressed when the browser takes it (the builder's script shrinks about fourfold);
    // `vary` keeps a shared cache from handing the compressed bytes to a client that did not ask.
    const headers: Record<string, string> = { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', vary: 'accept-encoding' };
    // Only text is worth it (an image or a font is compressed already).
    const encoding = /^(text\/|image\/svg)/.test(asset.type) ? acceptedEncoding(c.req.header('accept-encoding')) : null;
    if (!encoding) return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
    const body = await compress(asset, encoding);
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { ...headers, 'content-encoding': encoding });
  });
  app.notFound((c) => errorResponse(c, new TesseraError('NOT_FOUND', `Nothing at ${c.req.path}.`), logger));
  return app;
}
