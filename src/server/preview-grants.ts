/**
 * The draft origin (`draft.<app>.<APP_DOMAIN>`) is not public: unreleased code and draft data are the
 * project's business. A request there needs a preview grant, which the platform consumes:
 *
 * - a member's `Authorization: Bearer <API token | TESSERA_TOKEN>` (at least viewer of the project), or
 * - the grant cookie, set on the draft origin by following a signed link (`?tessera_preview=<link>`):
 *   the builder's preview and "Open in new tab" get one (`GET /api/tenants/:id/preview`), and an owner
 *   makes shareable ones (`POST /api/tenants/:id/preview-links`).
 *
 * Links and cookies are HMAC-signed with a key derived from the sealing key (so every replica sharing
 * it accepts them), name the app they open, and carry their expiry; nothing is stored. Anything else
 * gets 401 with a page saying how to get access. The grant never reaches the app's functions: the
 * platform's bearer and the grant cookie are taken out of the request the app sees, and a function
 * cannot set the cookie (app-cookies.ts drops it from its answers).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { loadSecretKey } from '../secrets/index.ts';
import { PREVIEW_COOKIE, PREVIEW_COOKIE_SECURE, withoutPlatformCookies } from './app-cookies.ts';
import { bearerOf, cookieValues, overHttps } from './cookies.ts';
import { errorResponse } from './errors.ts';

/** The query parameter of a signed link on the draft origin. */
export const PREVIEW_LINK_PARAM = 'tessera_preview';
/** How long the builder's own links may wait to be followed: they are made as the preview loads. */
export const BUILDER_LINK_SECONDS = 120;
/** How long the grant of a builder link lasts; each reload of the preview makes a new one. */
export const BUILDER_GRANT_SECONDS = 60 * 60;
/** Shareable links (owners): seconds, one day unless said, at most 30 days. */
export const SHARED_LINK_DEFAULT_SECONDS = 24 * 60 * 60;
export const SHARED_LINK_MIN_SECONDS = 60;
export const SHARED_LINK_MAX_SECONDS = 30 * 24 * 60 * 60;

type Refusal = 'none' | 'expired' | 'invalid' | 'not-member';

/** Signs and checks links and grants; the key is derived from the sealing key, for this purpose only. */
export class PreviewGrants {
  private readonly key: Buffer;

  constructor(sealingKey: Buffer) {
    this.key = createHmac('sha256', sealingKey).update('tessera preview grants v1').digest();
  }

  static of(platform: Platform): PreviewGrants {
    // The platform loaded (or created) the same key when it started; this reads it again.
    return new PreviewGrants(loadSecretKey({ configured: platform.config.secretKey, dataDir: platform.config.dataDir }));
  }

  private sign(body: string): string {
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  /** The body of a token whose signature holds, or null. */
  private verified(token: string): string[] | null {
    const dot = token.lastIndexOf('.');
    if (dot < 0 || token.length > 512) return null;
    const expected = Buffer.from(this.sign(token.slice(0, dot)));
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    return token.slice(0, dot).split('.');
  }

  /** A link token: followable until `linkUntil`, granting until `grantUntil` (unix seconds). */
  link(app: string, linkUntil: number, grantUntil: number): string {
    return this.sign(`L.${app}.${linkUntil}.${grantUntil}`);
  }

  /** Until when a link token grants `app`, or why not. */
  checkLink(token: string, app: string, now = nowSeconds()): { grantUntil: number } | { refused: Refusal } {
    const parts = this.verified(token);
    if (parts?.length !== 4 || parts[0] !== 'L' || parts[1] !== app) return { refused: 'invalid' };
    const linkUntil = Number(parts[2]);
    const grantUntil = Number(parts[3]);
    if (!(linkUntil > now && grantUntil > now)) return { refused: 'expired' };
    return { grantUntil };
  }

  grant(app: string, until: number): string {
    return this.sign(`G.${app}.${until}`);
  }

  checkGrant(token: string, app: string, now = nowSeconds()): boolean {
    const parts = this.verified(token);
    return Boolean(parts && parts.length === 3 && parts[0] === 'G' && parts[1] === app && Number(parts[2]) > now);
  }

  /** A signed link to `path` on the app's draft origin (`draftUrl` as tenantUrl makes it). */
  url(draftUrl: string, app: string, options: { linkSeconds: number; grantSeconds: number; path?: string }): { url: string; expiresAt: string } {
    const now = nowSeconds();
    const grantUntil = now + options.grantSeconds;
    const url = new URL(options.path ?? '/', draftUrl);
    url.searchParams.set(PREVIEW_LINK_PARAM, this.link(app, now + options.linkSeconds, grantUntil));
    return { url: url.toString(), expiresAt: new Date(grantUntil * 1000).toISOString() };
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Whether the browser takes a `Secure` cookie here: over HTTPS, and on `*.localhost`, which Chromium
 * and Firefox count as a secure context over plain HTTP.
 */
function secureContext(c: Context): boolean {
  const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '');
  return overHttps(c) || host === 'localhost' || host.endsWith('.localhost');
}

/**
 * The grant cookie. The builder shows the draft in an iframe, a cross-site context (the builder is
 * `localhost`, the draft `draft.<app>.localhost`), where only a `SameSite=None` cookie is sent, and
 * that needs `Secure`; `Partitioned` keeps it working where third-party cookies are blocked (it is
 * then kept for the builder's site only, and a new tab follows a link of its own). Where `Secure`
 * cannot be set (plain HTTP on a real domain) it is `SameSite=Lax`: new tabs and shared links work,
 * the builder's iframe needs HTTPS. Host-only and HttpOnly always; `__Host-` over HTTPS.
 */
function writeGrantCookie(c: Context, value: string, maxAgeSeconds: number): void {
  const name = overHttps(c) ? PREVIEW_COOKIE_SECURE : PREVIEW_COOKIE;
  if (secureContext(c)) setCookie(c, name, value, { httpOnly: true, secure: true, sameSite: 'None', partitioned: true, path: '/', maxAge: maxAgeSeconds });
  else setCookie(c, name, value, { httpOnly: true, sameSite: 'Lax', path: '/', maxAge: maxAgeSeconds });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const REASONS: Record<Refusal, string> = {
  none: 'This request carries no preview grant.',
  expired: 'This preview link has expired.',
  invalid: 'This preview link is not valid for this app (it was changed, or it opens another app).',
  'not-member': 'The token sent is not that of a member of this project.',
};

/** The builder's URL, as seen from a draft origin's Host (`draft.<app>.localhost:3000` -> `localhost:3000`). */
function builderUrl(c: Context, platform: Platform, app: string): string {
  const port = /:(\d+)$/.exec(c.req.header('host') ?? '')?.[1];
  return `${overHttps(c) ? 'https' : 'http'}://${platform.config.appDomain}${port ? `:${port}` : ''}/?app=${encodeURIComponent(app)}`;
}

function accessPage(app: string, reason: string, builder: string): string {
  const name = escapeHtml(app);
  const link = escapeHtml(builder);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${name}: draft preview, members only</title></head>
<body style="font-family:system-ui,sans-serif;max-width:600px;margin:4rem auto;padding:0 1rem;color:#374151;line-height:1.5">
<h1 style="font-size:1.5rem;color:#111827">The draft of ${name} is for its project's members</h1>
<p>${escapeHtml(reason)} The draft preview shows unreleased work and its test data, so it opens only with a preview grant.</p>
<ul>
<li>A member of the project: open it from the builder (<a href="${link}">${link}</a>), with the preview or <em>Open in new tab</em>.</li>
<li>Anyone else: ask an owner of the project for a preview link.</li>
<li>Scripts: send a member's <code>Authorization: Bearer &lt;API token&gt;</code>.</li>
</ul>
</body></html>`;
}

/** Whether a refusal should be a page: a browser's navigation, or anything but the app's API and platform routes. */
function wantsPage(c: Context): boolean {
  if (c.req.header('sec-fetch-mode') === 'navigate') return true;
  const path = c.req.path;
  if (path.startsWith('/api/') || path.startsWith('/_tessera/')) return false;
  return true;
}

function refuse(c: Context, platform: Platform, app: string, why: Refusal): Response {
  const message = `${REASONS[why]} The draft of "${app}" is for its project's members: open it from the builder (${builderUrl(c, platform, app)}), ask an owner for a preview link, or send a member's "Authorization: Bearer <API token>".`;
  const headers = { 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="tessera draft preview"' };
  if (!wantsPage(c)) {
    const res = errorResponse(c, new TesseraError('UNAUTHORIZED', message, { details: { reason: why } }), platform.logger);
    for (const [name, value] of Object.entries(headers)) res.headers.set(name, value);
    return res;
  }
  platform.logger.info({ code: 'UNAUTHORIZED', status: 401, reason: why }, 'draft preview refused: no grant');
  return c.html(accessPage(app, REASONS[why], builderUrl(c, platform, app)), 401, headers);
}

/**
 * The gate in front of a draft origin: a Response (the link's redirect, or the refusal), or the
 * request as the app may see it (without the platform's bearer and the grant cookie).
 */
export function previewGate(platform: Platform): (c: Context, app: string) => Promise<Response | Request> {
  const grants = PreviewGrants.of(platform);
  return async function admitToDraft(c, app) {
    const linkToken = c.req.query(PREVIEW_LINK_PARAM);
    if (linkToken !== undefined && (c.req.method === 'GET' || c.req.method === 'HEAD')) {
      const checked = grants.checkLink(linkToken, app);
      if ('refused' in checked) return refuse(c, platform, app, checked.refused);
      writeGrantCookie(c, grants.grant(app, checked.grantUntil), checked.grantUntil - nowSeconds());
      const target = new URL(c.req.url);
      target.searchParams.delete(PREVIEW_LINK_PARAM);
      // The link leaves the address bar (and never goes on as a Referer): the cookie is the grant now.
      c.header('referrer-policy', 'no-referrer');
      c.header('cache-control', 'no-store');
      // One leading slash: `//evil.example/` would be another site (the path is not what is signed).
      return c.redirect(`/${target.pathname.replace(/^[/\\]+/, '')}${target.search}`, 302);
    }
    const cookieName = overHttps(c) ? PREVIEW_COOKIE_SECURE : PREVIEW_COOKIE;
    let granted = cookieValues(c, cookieName).some((value) => grants.checkGrant(value, app));
    let platformBearer = false;
    let why: Refusal = 'none';
    const bearer = bearerOf(c);
    if (bearer) {
      const principal = await platform.auth.authenticate({ bearer });
      platformBearer = principal !== null;
      if (principal && (await platform.auth.roleIn(principal, app)) !== null) granted = true;
      else if (!granted) why = 'not-member';
    }
    if (!granted) return refuse(c, platform, app, why);
    const headers = new Headers(c.req.raw.headers);
    // The platform's credential is the platform's; an app's own Authorization (beside a grant cookie) passes.
    if (platformBearer) headers.delete('authorization');
    const cookies = withoutPlatformCookies(headers.get('cookie') ?? '', 'preview');
    if (cookies === null) headers.delete('cookie');
    else headers.set('cookie', cookies);
    return new Request(c.req.raw, { headers });
  };
}
