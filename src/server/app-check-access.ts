import type { Hono } from 'hono';
import type { DraftAccess } from '../appcheck/index.ts';
import type { Platform } from '../platform.ts';
import { PREVIEW_COOKIE } from './app-cookies.ts';
import type { Env } from './policy.ts';
import { PreviewGrants } from './preview-grants.ts';

/** How long the grant the platform mints for one app check lasts: a check is bounded well below it. */
const CHECK_GRANT_SECONDS = 5 * 60;

/**
 * How the app check reaches drafts: through this HTTP app in process (no port, no DNS), on the
 * draft origin, with a short-lived preview grant the platform mints for the app being checked. The
 * draft's gate treats it like any member's grant and takes it out of what the app sees.
 */
export function draftAccess(platform: Platform, app: Hono<Env>): DraftAccess {
  const grants = PreviewGrants.of(platform);
  return {
    fetch: (request) => Promise.resolve(app.fetch(request)),
    open: (id) => ({
      origin: `http://draft.${id}.${platform.config.appDomain}`,
      cookie: { name: PREVIEW_COOKIE, value: grants.grant(id, Math.floor(Date.now() / 1000) + CHECK_GRANT_SECONDS) },
    }),
  };
}
