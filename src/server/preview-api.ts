/**
 * Preview grants for the draft origin (preview-grants.ts), on the control API:
 * - `GET /api/tenants/:id/preview?path=/` (members): 302 to a fresh signed link. The builder's
 *   preview iframe and its "Open in new tab" point here, so every load gets a link of its own, made
 *   when it is followed (a link written into the page would have expired by the time of a late click).
 * - `POST /api/tenants/:id/preview-links {"expiresIn"}` (owners, audited): a shareable link for
 *   someone outside the project, good for `expiresIn` seconds (the grant lasts as long).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Platform } from '../platform.ts';
import { routePolicies, type Env } from './policy.ts';
import {
  BUILDER_GRANT_SECONDS,
  BUILDER_LINK_SECONDS,
  PreviewGrants,
  SHARED_LINK_DEFAULT_SECONDS,
  SHARED_LINK_MAX_SECONDS,
  SHARED_LINK_MIN_SECONDS,
} from './preview-grants.ts';
import { readBody, readQuery } from './validate.ts';

const previewQuery = z.object({
  path: z
    .string()
    .max(2000)
    .regex(/^\/(?![/\\])/, 'expected a path on the app, starting with one "/"')
    .optional(),
});
const newPreviewLink = z
  .object({
    expiresIn: z
      .number()
      .int('expected whole seconds')
      .min(SHARED_LINK_MIN_SECONDS, `expected at least ${SHARED_LINK_MIN_SECONDS} seconds`)
      .max(SHARED_LINK_MAX_SECONDS, `expected at most ${SHARED_LINK_MAX_SECONDS} seconds (30 days)`)
      .optional(),
  })
  .strict();

/** The draft origin of an app, on the port the caller reached us at (as the project's `draftUrl`). */
function draftUrl(platform: Platform, id: string, c: Context): string {
  const port = /:(\d+)$/.exec(c.req.header('host') ?? '')?.[1] ?? new URL(c.req.url).port;
  return `http://draft.${id}.${platform.config.appDomain}${port ? `:${port}` : ''}/`;
}

export function previewApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const grants = PreviewGrants.of(platform);
  const { requireRole, audited } = routePolicies(platform);

  api.get('/tenants/:id/preview', requireRole('viewer', 'previewing the draft'), async function openPreview(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const { path } = readQuery(c, previewQuery, 'Send ?path=/some/page (optional).');
    const { url } = grants.url(draftUrl(platform, tenant.id, c), tenant.id, {
      linkSeconds: BUILDER_LINK_SECONDS,
      grantSeconds: BUILDER_GRANT_SECONDS,
      ...(path ? { path } : {}),
    });
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    return c.redirect(url, 302);
  });

  api.post('/tenants/:id/preview-links', audited('preview-link.create'), requireRole('owner', 'sharing a preview link'), async function createPreviewLink(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const body = await readBody(c, newPreviewLink, {
      hint: `Send {"expiresIn": <seconds>} (${SHARED_LINK_MIN_SECONDS} to ${SHARED_LINK_MAX_SECONDS}; ${SHARED_LINK_DEFAULT_SECONDS}, one day, if left out).`,
    });
    const seconds = body.expiresIn ?? SHARED_LINK_DEFAULT_SECONDS;
    const link = grants.url(draftUrl(platform, tenant.id, c), tenant.id, { linkSeconds: seconds, grantSeconds: seconds });
    return c.json({ ...link, expiresIn: seconds }, 201);
  });

  return api;
}
