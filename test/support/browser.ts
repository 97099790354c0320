import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestServer } from './platform.ts';

/**
 * Debian's Chromium (installed by scripts/setup-system.mjs), headless, with the flags this machine needs.
 * `--disable-partial-raster`: by default Chromium redraws only the changed part of a tile, and the
 * anti-aliasing where that part meets the rest (a rounded corner's shadow) came out a pixel
 * different depending on how frames fell under load, so the same page gave one of two screenshots;
 * whole tiles are redrawn the same way every time.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      '--disable-partial-raster',
      ...extraArgs,
    ],
  });
}

/**
 * A real platform on a free port and a Chromium, for one test file: started before its tests,
 * closed after them. Read `server` and `browser` inside tests (they are set by then).
 */
export function useServerAndBrowser(env: Record<string, string> = {}): { server: Awaited<ReturnType<typeof startTestServer>>; browser: Browser } {
  const fixture = {} as { server: Awaited<ReturnType<typeof startTestServer>>; browser: Browser };
  beforeAll(async () => {
    fixture.server = await startTestServer(env);
    fixture.browser = await launchChromium();
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.server?.close();
  });
  return fixture;
}

/**
 * The builder open on `app` for a user who signs in with a password, in a browser context of its own
 * (close it when done): how a member other than the test's admin sees a project.
 */
export async function openBuilderAs(browser: Browser, serverUrl: string, login: string, password: string, app: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const signIn = await context.request.post(`${serverUrl}/api/auth/password`, { data: { login, password } });
  if (signIn.status() !== 200) {
    await context.close();
    throw new Error(`${login} could not sign in: ${signIn.status()}`);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${serverUrl}/?app=${app}`);
  return { context, page };
}

/** A JSON call to a test server's control API (as its admin) that must succeed: GET without a body, POST with one. */
export async function apiOk(serverUrl: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${serverUrl}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}
