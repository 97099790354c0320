import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreviewGrants } from '../../src/server/preview-grants.ts';
import { launchChromium } from '../support/browser.ts';
import { ANONYMOUS } from '../support/credentials.ts';
import { request, type SimpleResponse } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

/**
 * The draft origin is not public (docs/security.md, "The draft preview"): it answers a member's
 * bearer token or the grant cookie a signed link sets, and nothing else; the grant never reaches the
 * app's functions. Checked over real HTTP, and in Chromium for the links and the 401 page.
 */
const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
const tokens: Record<string, string> = {};

const port = (): number => server.server.port;
const draftHost = (app: string): string => `draft.${app}.localhost:${port()}`;
/** A request to an app's draft origin with exactly the credentials given (none by default). */
const toDraft = (app: string, route: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<SimpleResponse> =>
  request(`http://127.0.0.1:${port()}${route}`, { ...options, host: draftHost(app), headers: { ...ANONYMOUS, ...options.headers } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The `name=value` of a Set-Cookie answer, and its attributes. */
const setCookieOf = (res: SimpleResponse): string[] => [res.headers['set-cookie'] ?? []].flat();

async function api(route: string, body?: unknown, headers: Record<string, string> = {}): Promise<SimpleResponse> {
  return request(`${server.url}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Follows a signed link anonymously: the redirect and the cookie it sets. */
async function follow(link: string): Promise<{ res: SimpleResponse; cookie: string | undefined }> {
  const url = new URL(link);
  const res = await request(`http://127.0.0.1:${port()}${url.pathname}${url.search}`, { host: url.host, headers: ANONYMOUS });
  const cookie = setCookieOf(res)
    .find((line) => line.startsWith('tessera_preview='))
    ?.split(';')[0];
  return { res, cookie };
}

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  for (const app of ['peek', 'other']) expect((await api('/api/tenants', { id: app })).status).toBe(201);
  // A function that shows what it was sent, and one that tries to hand out the platform's cookies.
  const echo = `module.exports = async (ctx) => ({ status: 200, body: { headers: ctx.request.headers } });`;
  const planter = `module.exports = async () => ({ status: 200, headers: { 'set-cookie': ['tessera_preview=G.peek.9999999999.forged; Path=/', '__Host-tessera_preview=x; Path=/; Secure', 'theme=dark; Path=/'] }, body: 'ok' });`;
  for (const [name, code] of [
    ['echo', echo],
    ['planter', planter],
  ])
    expect((await api('/api/tenants/peek/tools/createBackendFunction', { name, code })).status).toBe(200);
  // People: a viewer, an editor and an owner of peek, and someone who belongs to no project.
  for (const [id, role] of [
    ['vera', 'viewer'],
    ['eddie', 'editor'],
    ['olga', 'owner'],
    ['nina', null],
  ] as const) {
    await server.platform.auth.createUser({ id });
    tokens[id] = (await server.platform.auth.createApiToken(id, 'preview test')).token;
    if (role) await server.platform.registry.setMembership('peek', id, role);
  }
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the draft origin without a grant', () => {
  it('answers 401 on every path: a page for browsers, a JSON error for API calls, and runs nothing', async () => {
    const page = await toDraft('peek', '/');
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('open it from the builder');
    expect(page.text).toContain('ask an owner of the project for a preview link');
    expect(page.text).toContain(`http://localhost:${port()}/?app=peek`);
    for (const [method, route] of [
      ['GET', '/api/echo'],
      ['POST', '/api/echo'],
      ['GET', '/_tessera/app.json'],
      ['GET', '/_tessera/auth/me'],
      ['POST', '/_tessera/auth/signup'],
      ['GET', '/_tessera/assets/shell.js'],
    ] as const) {
      const answer = await toDraft('peek', route, { method, ...(method === 'POST' ? { body: '{"email":"a@b.test","password":"long enough pass"}' } : {}) });
      expect(answer.status, `${method} ${route}`).toBe(401);
      expect(answer.json().error, `${method} ${route}`).toMatchObject({
        code: 'UNAUTHORIZED',
        message: expect.stringContaining('ask an owner for a preview link'),
      });
    }
    // A browser's navigation to a function gets the page too.
    const navigated = await toDraft('peek', '/api/echo', { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } });
    expect(navigated.status).toBe(401);
    expect(navigated.headers['content-type']).toContain('text/html');
    // The sign-up above created no app user.
    expect((await api('/api/tenants/peek/app-users')).json().users).toEqual([]);
  });

  it('refuses a forged or expired grant cookie, and a token of someone outside the project', async () => {
    const grants = PreviewGrants.of(server.platform);
    const now = Math.floor(Date.now() / 1000);
    for (const cookie of [
      'tessera_preview=G.peek.9999999999.forged',
      `tessera_preview=${grants.grant('peek', now - 1)}`,
      `tessera_preview=${grants.grant('other', now + 600)}`,
      `tessera_preview=${grants.link('peek', now + 600, now + 600)}`,
    ]) {
      const answer = await toDraft('peek', '/api/echo', { headers: { cookie } });
      expect(answer.status, cookie).toBe(401);
    }
    const outsider = await toDraft('peek', '/api/echo', { headers: bearer(tokens.nina!) });
    expect(outsider.status).toBe(401);
    expect(outsider.json().error).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'not-member' } });
    expect((await toDraft('peek', '/api/echo', { headers: bearer('not-a-token') })).status).toBe(401);
  });
});

describe("a member's bearer token", () => {
  it('opens the draft for every member (and TESSERA_TOKEN), and never reaches the function', async () => {
    for (const token of [tokens.vera!, tokens.eddie!, tokens.olga!, server.token]) {
      const answer = await toDraft('peek', '/api/echo', { headers: { ...bearer(token), cookie: 'theme=dark' } });
      expect(answer.status).toBe(200);
      const { headers } = answer.json();
      expect(headers.authorization).toBeUndefined();
      expect(headers.cookie).toBe('theme=dark');
      expect(JSON.stringify(headers)).not.toContain(token);
    }
    expect((await toDraft('peek', '/', { headers: bearer(tokens.vera!) })).status).toBe(200);
    // A member of peek is not one of other.
    expect((await toDraft('other', '/', { headers: bearer(tokens.vera!) })).status).toBe(401);
  });
});

describe('signed links', () => {
  it('owners make shareable links; a link sets a host-only HttpOnly cookie and redirects to the path without it', async () => {
    const made = await api('/api/tenants/peek/preview-links', { expiresIn: 600 }, bearer(tokens.olga!));
    expect(made.status).toBe(201);
    const { url, expiresAt } = made.json();
    expect(url).toMatch(new RegExp(`^http://draft\\.peek\\.localhost:${port()}/\\?tessera_preview=`));
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(600_000);
    const { res, cookie } = await follow(url);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const line = setCookieOf(res)[0]!;
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; SameSite=None/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; Partitioned/);
    expect(line).not.toMatch(/Domain=/i);
    expect(Number(/Max-Age=(\d+)/.exec(line)![1])).toBeGreaterThan(590);
    // The cookie opens the draft; the function sees neither it nor its name, but the app's own cookies.
    const answer = await toDraft('peek', '/api/echo', { headers: { cookie: `theme=dark; ${cookie}; lang=en` } });
    expect(answer.status).toBe(200);
    expect(answer.json().headers.cookie).toBe('theme=dark; lang=en');
    expect((await toDraft('peek', '/', { headers: { cookie: cookie! } })).status).toBe(200);
    // It opens peek only.
    expect((await toDraft('other', '/', { headers: { cookie: cookie! } })).status).toBe(401);
    // The shareable link is recorded in the project's audit log.
    const audit = (await api('/api/tenants/peek/audit')).json().entries;
    expect(audit.find((entry: { action: string }) => entry.action === 'preview-link.create')).toMatchObject({ actor: 'olga', outcome: 'ok' });
  });

  it("the builder's link keeps the path and query, and goes to members only", async () => {
    const made = await api('/api/tenants/peek/preview?path=%2Fabout%3Fx%3D1', undefined, bearer(tokens.vera!));
    expect(made.status).toBe(302);
    const link = made.headers.location!;
    expect(new URL(link).pathname).toBe('/about');
    expect(new URL(link).searchParams.get('x')).toBe('1');
    const { res, cookie } = await follow(link);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/about?x=1');
    expect(cookie).toMatch(/^tessera_preview=G\.peek\./);
    // The path is not signed: a link turned into `//evil.example/` stays on the draft.
    const sneaky = await follow(link.replace(/\/about\?/, '//evil.example/about?'));
    expect(sneaky.res.headers.location).toBe('/evil.example/about?x=1');
    expect((await api('/api/tenants/peek/preview', undefined, bearer(tokens.nina!))).status).toBe(403);
    expect((await api('/api/tenants/peek/preview', undefined, ANONYMOUS)).status).toBe(401);
    expect((await api('/api/tenants/peek/preview?path=//evil.example/', undefined, bearer(tokens.vera!))).status).toBe(400);
  });

  it('only owners make shareable links, within bounds', async () => {
    for (const who of ['vera', 'eddie', 'nina']) {
      const refused = await api('/api/tenants/peek/preview-links', { expiresIn: 600 }, bearer(tokens[who]!));
      expect(refused.status, who).toBe(403);
      expect(refused.json().error.code).toBe('FORBIDDEN');
    }
    for (const expiresIn of [10, 30 * 24 * 3600 + 1, '1h', 1.5, -5]) {
      const answer = await api('/api/tenants/peek/preview-links', { expiresIn }, bearer(tokens.olga!));
      expect(answer.status, String(expiresIn)).toBe(400);
      expect(answer.json().error.code).toBe('INVALID_ARGUMENTS');
    }
    const unknownField = await api('/api/tenants/peek/preview-links', { expiresIn: 600, forever: true }, bearer(tokens.olga!));
    expect(unknownField.status).toBe(400);
    const byDefault = await api('/api/tenants/peek/preview-links', {}, bearer(tokens.olga!));
    expect(byDefault.json().expiresIn).toBe(86_400);
  });

  it('refuses an expired, tampered or other-app link, setting no cookie', async () => {
    const grants = PreviewGrants.of(server.platform);
    const now = Math.floor(Date.now() / 1000);
    const valid = new URL((await api('/api/tenants/peek/preview-links', { expiresIn: 600 }, bearer(tokens.olga!))).json().url);
    const token = valid.searchParams.get('tessera_preview')!;
    const tampered = [
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      token.replace(/^L\.peek\.(\d+)\./, (_, until) => `L.peek.${Number(until) + 3600}.`),
      token.replace('L.peek.', 'L.other.'),
      'nonsense',
    ];
    const cases: Array<[string, string, RegExp]> = [
      ['peek', grants.link('peek', now - 1, now + 600), /has expired/],
      ['peek', grants.link('peek', now + 600, now - 1), /has expired/],
      ...tampered.map((t): [string, string, RegExp] => ['peek', t, /not valid for this app/]),
      // A valid link of peek does not open other.
      ['other', token, /not valid for this app/],
    ];
    for (const [app, link, reason] of cases) {
      const res = await toDraft(app, `/?tessera_preview=${encodeURIComponent(link)}`);
      expect(res.status, link).toBe(401);
      expect(res.text, link).toMatch(reason);
      expect(setCookieOf(res), link).toEqual([]);
    }
  });

  it("keeps a function from setting the grant cookie, and passes the app's own", async () => {
    const answer = await toDraft('peek', '/api/planter', { headers: bearer(tokens.vera!) });
    expect(answer.status).toBe(200);
    expect(setCookieOf(answer)).toEqual(['theme=dark; Path=/']);
  });
});

describe('in Chromium', () => {
  it('a shared link shows the draft; without one, the page says how to get access', async () => {
    expect(
      (
        await api('/api/tenants/peek/tools/updateUILayout', {
          blueprint: { version: 1, title: 'Peek', routes: [{ path: '/', title: 'Home', root: { component: 'Heading', props: { text: 'Unreleased work' } } }] },
        })
      ).status,
    ).toBe(200);
    const link = (await api('/api/tenants/peek/preview-links', { expiresIn: 600 }, bearer(tokens.olga!))).json().url;
    const guest = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await guest.newPage();
    await page.goto(link);
    expect(new URL(page.url()).search).toBe('');
    await page.getByText('Unreleased work').waitFor();
    // The cookie stays with the browser: a reload is still let in.
    expect((await page.reload())!.status()).toBe(200);
    await guest.close();

    const stranger = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const refused = await stranger.newPage();
    const res = await refused.goto(`http://${draftHost('peek')}/`);
    expect(res!.status()).toBe(401);
    await refused.getByRole('heading', { name: "The draft of peek is for its project's members" }).waitFor();
    await refused.screenshot({ path: path.join(screenshots, 'draft-preview-refused-1280.png') });
    await refused.setViewportSize({ width: 1024, height: 700 });
    await refused.screenshot({ path: path.join(screenshots, 'draft-preview-refused-1024.png') });
    await stranger.close();
  });
});
