import { Hono, type Context } from 'hono';
import type { AppUser } from '../app-users/index.ts';
import { renderShellHtml } from '../bundler/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import type { AppView } from '../releases/index.ts';
import type { Stylesheet } from '../styles/index.ts';
import type { Tenant } from '../tenants/index.ts';
import { responseHeaders as toHttpHeaders } from '../runtime/index.ts';
import { appAuthApi } from './app-auth-api.ts';
import { dropPlatformCookies, readAppSession, withoutPlatformCookies } from './app-cookies.ts';
import { errorResponse } from './errors.ts';
import { functionAccess, publicRoute } from './policy.ts';

/** What the host router hands the tenant app for each request. */
export interface TenantBindings {
  tenant: Tenant;
  /** What this origin serves: the live release, or the newest commit on the draft origin; null before the first deploy. */
  view: AppView | null;
  mode: 'live' | 'draft';
  /** The client's address (placement.ts `clientAddress`), for the app users' sign-in throttle. */
  client: string;
}

/** The app origin's env: the host router's bindings, and the signed-in app user a function call found. */
type AppOriginEnv = { Bindings: TenantBindings; Variables: { appUser: AppUser | null } };

/** The draft view: the tenant's newest commit, as the tools left it. */
export function draftView(tenant: Tenant): AppView {
  return {
    version: null,
    commit: tenant.state.head,
    components: tenant.state.components,
    functions: tenant.state.functions,
    blueprint: tenant.state.blueprint,
    packages: tenant.state.packageAssets,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function notLiveYet(tenant: Tenant, rawDraftUrl: string): string {
  const draftUrl = escapeHtml(rawDraftUrl);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${tenant.id}: nothing is live yet</title></head>
<body style="font-family:system-ui,sans-serif;max-width:560px;margin:4rem auto;color:#374151">
<h1>Nothing is live yet</h1>
<p>The app <strong>${tenant.id}</strong> has no deployed release. Its newest work is on the draft preview, for the project's members (open it from the builder): <a href="${draftUrl}">${draftUrl}</a>.</p>
<p>Create a release and deploy it to make it live (<code>tessera release ${tenant.id} 1.0.0</code>, then <code>tessera deploy ${tenant.id} 1.0.0</code>).</p>
</body></html>`;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

function componentUrls(view: AppView): Record<string, string> {
  return Object.fromEntries([...view.components.values()].map((c) => [c.name, `/_tessera/mfe/${c.fileName}`]));
}

function notFound(what: string): TesseraError {
  return new TesseraError('NOT_FOUND', what);
}

/** The shell, assets and the app users' own routes are open to anyone who reaches the app. */
const publicAppRoute = publicRoute<AppOriginEnv>;

/**
 * Everything served on `http://<tenant>.localhost:PORT/`: the app shell, its assets, the component
 * bundles (content-addressed, cached forever) and the tenant's functions at `/api/<name>`.
 */
export function tenantApp(platform: Platform): Hono<AppOriginEnv> {
  const app = new Hono<AppOriginEnv>();
  const { assets, runtime, logger } = platform;

  app.onError((err, c) => errorResponse(c, err, logger));

  /** The stylesheet of what this origin serves: the release's own, or built from the view (cached). */
  function stylesheetOf(c: Context<AppOriginEnv>, view: AppView): Promise<Stylesheet> {
    return view.stylesheet
      ? Promise.resolve(view.stylesheet)
      : platform.styles.build(c.env.tenant.id, { components: view.components.values(), theme: view.blueprint.theme });
  }

  app.get('/_tessera/assets/:file', publicAppRoute(), async function serveAsset(c) {
    const file = c.req.param('file');
    const asset = assets.assets.get(file);
    if (asset) return c.body(asset.code, 200, { 'content-type': asset.contentType, 'cache-control': IMMUTABLE });
    // The app's own stylesheet: any recent one of this tenant (a page may predate a change), or,
    // after a restart, the one of what this origin serves now.
    const isSheet = /^styles\.[0-9a-f]{12}\.css$/.test(file);
    let sheet = isSheet ? platform.styles.find(c.env.tenant.id, file) : null;
    if (!sheet && isSheet && c.env.view) {
      const current = await stylesheetOf(c, c.env.view);
      if (current.fileName === file) sheet = current;
    }
    if (!sheet) throw notFound(`No asset ${file}.`);
    return c.body(sheet.code, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': IMMUTABLE });
  });

  // The app's own users (app-auth-api.ts): the platform's, whether or not a release is live.
  app.route('/', appAuthApi(platform));

  app.use('*', async function requireView(c, next) {
    if (c.env.view || c.req.path.startsWith('/_tessera/assets/')) return next();
    const host = c.req.header('host') ?? '';
    const draftUrl = `http://draft.${host}/`;
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/_tessera/')) {
      return c.json(
        {
          error: {
            code: 'NOT_FOUND',
            message: `Nothing of "${c.env.tenant.id}" is live yet: deploy a release first, or use the draft preview ${draftUrl} (for the project's members: send a member's bearer token).`,
          },
        },
        404,
      );
    }
    return c.html(notLiveYet(c.env.tenant, draftUrl), 404, { 'cache-control': 'no-store' });
  });

  app.get('/_tessera/mfe/:file', publicAppRoute(), async function serveBundle(c) {
    const file = c.req.param('file');
    const component =
      [...c.env.view!.components.values()].find((built) => built.fileName === file) ??
      (c.env.mode === 'live' ? await platform.deployer.findBundle(c.env.tenant.id, file) : null);
    if (!component) throw notFound(`No component bundle ${file}.`);
    return c.body(component.code, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': IMMUTABLE });
  });

  app.get('/_tessera/pkg/:file', publicAppRoute(), async function servePackage(c) {
    const file = c.req.param('file');
    const asset = c.env.view!.packages.assets.get(file) ?? (c.env.mode === 'live' ? await platform.deployer.findPackageAsset(c.env.tenant.id, file) : null);
    if (!asset) throw notFound(`No package module ${file}.`);
    return c.body(asset.code, 200, { 'content-type': asset.contentType, 'cache-control': IMMUTABLE });
  });

  app.get('/_tessera/app.json', publicAppRoute(), function appState(c) {
    const view = c.env.view!;
    return c.json({ mode: c.env.mode, version: view.version, commit: view.commit, blueprint: view.blueprint, components: componentUrls(view) }, 200, {
      'cache-control': 'no-store',
    });
  });

  /**
   * Who may call the function, as it declares (its manifest): checked before it runs, on the live
   * and the draft origin alike. The user comes from this app's session cookie only (another app's
   * session is not found: sessions are per app); a disabled user has no session.
   */
  const declaredAccess = functionAccess<AppOriginEnv>(async function checkFunctionAccess(c) {
    const name = c.req.param('name') ?? '';
    const fn = c.env.view!.functions.get(name);
    if (!fn) throw notFound(`This app has no function "${name}".`);
    const user = await platform.appUsers.userOfSession(c.env.tenant.id, readAppSession(c));
    c.set('appUser', user);
    if (fn.access === 'public') return;
    if (!user)
      throw new TesseraError(
        'SIGN_IN_REQUIRED',
        `/api/${name} is for signed-in users of this app: sign in (POST /_tessera/auth/signin) or sign up (POST /_tessera/auth/signup) first.`,
      );
    if (fn.access === 'admin' && user.role !== 'admin')
      throw new TesseraError('FORBIDDEN', `/api/${name} is for this app's admins; the app's owner can make a user an admin.`);
  });

  app.all('/api/:name{[^/]+}/*', declaredAccess, invokeFunction);
  app.all('/api/:name{[^/]+}', declaredAccess, invokeFunction);

  async function invokeFunction(c: Context<AppOriginEnv>): Promise<Response> {
    const tenant = c.env.tenant;
    const name = c.req.param('name') ?? '';
    const fn = c.env.view!.functions.get(name);
    if (!fn) throw notFound(`This app has no function "${name}".`);
    // The server's body limit (body-limit.ts, FUNCTION_MAX_BODY_BYTES) bounds this read; the runtime checks it again.
    const body = Buffer.from(await c.req.arrayBuffer());
    const url = new URL(c.req.url);
    // As Fission's router does for a plain route: the function sees "/" (+ any sub-path) and the query.
    const subPath = url.pathname.slice(`/api/${name}`.length) || '/';
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      // The replicas' forwarding headers (and their proof) are the platform's, never the app's.
      if (key.startsWith('x-tessera-')) return;
      // The app users' session and the preview grant are the platform's: generated code never sees them (app-cookies.ts).
      if (key === 'cookie') {
        const kept = withoutPlatformCookies(value);
        if (kept !== null) headers[key] = kept;
        return;
      }
      headers[key] = value;
    });
    const result = await runtime.invoke(
      tenant.id,
      { name, code: fn.code, hash: fn.hash },
      { method: c.req.method, url: `${subPath}${url.search}`, headers, body, user: c.get('appUser') ?? null, database: c.env.mode },
    );
    const { status, headers: responseHeaders, body: responseBody } = result.response;
    return new Response(status === 204 || status === 304 || responseBody.length === 0 ? null : new Uint8Array(responseBody), {
      status,
      headers: dropPlatformCookies(toHttpHeaders(responseHeaders)),
    });
  }

  app.get('*', publicAppRoute(), async function serveShell(c) {
    const view = c.env.view!;
    const sheet = await stylesheetOf(c, view);
    const html = renderShellHtml({
      stylesheet: `/_tessera/assets/${sheet.fileName}`,
      title: view.blueprint.title ?? c.env.tenant.id,
      assets,
      blueprint: view.blueprint,
      components: componentUrls(view),
      mode: c.env.mode,
      packages: view.packages,
    });
    return c.html(html, 200, { 'cache-control': 'no-cache' });
  });

  app.all('*', (c) => errorResponse(c, notFound(`No route ${c.req.method} ${c.req.path} in this app.`), logger));

  return app;
}
