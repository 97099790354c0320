import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import type { Logger } from '../log.ts';

import type { AppCheckOutcome, AppProblem } from '../../wire/agent-events.ts';

export type { AppProblem } from '../../wire/agent-events.ts';

/** How the platform checks an app: in Chromium, or (where the machine has none) the server render of each component when it was made. */
export type AppCheckMode = AppCheckOutcome['mode'];

export interface AppCheckReport {
  ok: boolean;
  mode: AppCheckMode;
  problems: AppProblem[];
  /** The paths visited (`:param` segments filled with samples). */
  visited: string[];
  ms: number;
  /** Why the check was not done in a browser, in server-render mode. */
  note?: string;
}

/** How the check reaches an app's draft: the platform's own HTTP handler, with a grant it minted for this check. */
export interface DraftAccess {
  /** Answers one request to the draft origin exactly as the server would. */
  fetch(request: Request): Promise<Response>;
  /** The draft origin of an app (`http://draft.<app>.<APP_DOMAIN>`) and a short-lived preview grant cookie for it. */
  open(app: string): { origin: string; cookie: { name: string; value: string } };
}

export interface AppCheckerOptions {
  chromiumPath: string;
  /** One check's whole time: every route of the app. */
  timeoutMs: number;
  logger: Logger;
}

/** A sample value for a `:param` segment: most apps key their items by number. */
export const SAMPLE_PARAM = '1';

/** The path a route is visited at: each `:param` segment filled with a sample. */
export function samplePath(route: string): string {
  return route.replace(/:[A-Za-z][A-Za-z0-9_]*/g, SAMPLE_PARAM);
}

/** The component whose bundle (`/_tessera/mfe/<Name>.<hash>.js`) a stack or URL names. */
function componentOf(text: string | undefined): string | undefined {
  return text ? /\/_tessera\/mfe\/([A-Z][A-Za-z0-9]*)\.[0-9a-f]+\.js/.exec(text)?.[1] : undefined;
}

const MAX_MESSAGE_CHARS = 500;
const clip = (text: string): string => (text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text);

/** Runs in the page (a string: the platform's code has no DOM types): error boxes, and whether anything is visible. */
const INSPECT_PAGE = `(() => {
  const boxes = [...document.querySelectorAll('[data-tessera-error]')].map((box) => ({ component: box.dataset.tesseraComponent || '', text: box.innerText.trim() }));
  const visibleText = (document.body ? document.body.innerText : '').trim();
  const media = document.body !== null && document.body.querySelector('img, svg, canvas, video, input, button, textarea, select, iframe') !== null;
  return { boxes, blank: visibleText === '' && !media };
})()`;

/** After a page loads, how long it may take to settle (its components and their data loaded), at most. */
const SETTLE_MS = 5_000;
/** Time with no request in flight after the shell settled: effects run and start their requests within it. */
const QUIET_MS = 150;
/** How often the page's requests in flight are looked at while it settles. */
const POLL_MS = 25;

/**
 * The app check: opens an app's draft in headless Chromium and visits every route of its blueprint,
 * collecting what a user would hit and the server render cannot see (uncaught exceptions and
 * unhandled rejections, console errors, failed requests to the app's own functions, components'
 * error boundaries that caught something, a page with nothing visible). One Chromium per platform
 * process, started on the first check and reused; one browser context and page per check, closed
 * after it. Every request of the page goes to the platform's own handler (no network, no port):
 * anything else the page asks for is refused.
 */
export class AppChecker {
  private browser: Promise<Browser> | null = null;
  private access: DraftAccess | null = null;
  private closed = false;
  /** Chromium's sandbox failed to start once: later launches go without it straight away. */
  private sandboxUnavailable = false;

  constructor(private readonly options: AppCheckerOptions) {}

  /** Chromium where the machine has it (and the server can hand the check its drafts); otherwise the server render. */
  get mode(): AppCheckMode {
    return existsSync(this.options.chromiumPath) ? 'chromium' : 'server-render';
  }

  /** The server's handler: set by the HTTP app when it is made (src/server). */
  attach(access: DraftAccess): void {
    this.access = access;
  }

  /** Whether Chromium is already running (the check's first run starts it). */
  get warm(): boolean {
    return this.browser !== null;
  }

  private launch(): Promise<Browser> {
    this.browser ??= this.start()
      .then((browser) => {
        // A Chromium that died is started again on the next check.
        browser.on('disconnected', () => {
          this.browser = null;
        });
        return browser;
      })
      .catch((err: unknown) => {
        this.browser = null;
        throw err;
      });
    return this.browser;
  }

  /**
   * The pages run the tenant's code, which is hostile: Chromium's own sandbox where the machine
   * allows it (not as root without user namespaces, as in many containers); otherwise without it,
   * said once in the log. Either way the page reaches nothing but the draft's origin (serve()).
   */
  private async start(): Promise<Browser> {
    const args = ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
    const { chromiumPath: executablePath, logger } = this.options;
    if (!this.sandboxUnavailable) {
      try {
        return await chromium.launch({ executablePath, chromiumSandbox: true, args });
      } catch (err) {
        logger.warn({ err: (err as Error).message.split('\n')[0] }, "app check: Chromium's sandbox is not available here; its pages run without it");
        this.sandboxUnavailable = true;
      }
    }
    return chromium.launch({ executablePath, chromiumSandbox: false, args });
  }

  /** Checks one app's draft at its blueprint's routes. */
  async check(app: string, routes: readonly string[]): Promise<AppCheckReport> {
    const started = performance.now();
    const done = (report: Omit<AppCheckReport, 'ms' | 'ok'>): AppCheckReport => ({
      ok: report.problems.length === 0,
      ...report,
      ms: Math.round(performance.now() - started),
    });
    if (this.mode === 'server-render' || !this.access) {
      const why = this.access
        ? `Chromium is not installed at ${this.options.chromiumPath} (CHROMIUM_PATH)`
        : 'the platform serves no HTTP here, so no browser can open the draft';
      return done({
        mode: 'server-render',
        problems: [],
        visited: [],
        note: `Checked by the server render only: ${why}. Every component was rendered on the server when it was created; what only a browser shows (effects, requests, events) was not checked.`,
      });
    }
    if (this.closed) throw new Error('The app check is closed.');
    const browser = await this.launch();
    const access = this.access;
    const { origin, cookie } = access.open(app);
    const deadline = started + this.options.timeoutMs;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    const problems: AppProblem[] = [];
    const visited: string[] = [];
    let route = routes[0] ?? '/';
    try {
      await context.route('**/*', (request) => this.serve(request, origin, cookie, access));
      const page = await context.newPage();
      this.watch(page, origin, problems, () => route);
      const inFlight = trackRequests(page);
      for (const current of routes) {
        route = current;
        const remaining = deadline - performance.now();
        if (remaining <= 0) {
          problems.push({ route, kind: 'timeout', message: `The check ran out of time (${this.options.timeoutMs} ms) before this route.` });
          break;
        }
        const path = samplePath(current);
        visited.push(path);
        try {
          await page.goto(new URL(path, origin).toString(), { waitUntil: 'load', timeout: remaining });
          await this.settle(page, inFlight, Math.min(SETTLE_MS, Math.max(0, deadline - performance.now())));
        } catch (err) {
          problems.push({ route, kind: 'timeout', message: clip(`The page did not load in time: ${(err as Error).message.split('\n')[0]}`) });
          continue;
        }
        problems.push(...(await this.inspect(page, route)));
      }
    } finally {
      await context.close().catch(() => {});
    }
    return done({ mode: 'chromium', problems: dedupe(problems), visited });
  }

  /** Answers the page's requests: the draft origin through the server's handler (with the check's grant); nothing else. */
  private async serve(route: Route, origin: string, cookie: { name: string; value: string }, access: DraftAccess): Promise<void> {
    const request = route.request();
    const url = new URL(request.url());
    if (url.origin !== origin) {
      await route.abort('blockedbyclient');
      return;
    }
    try {
      const headers = new Headers(await request.allHeaders());
      headers.set('host', url.host);
      const cookies = headers.get('cookie');
      headers.set('cookie', `${cookies ? `${cookies}; ` : ''}${cookie.name}=${cookie.value}`);
      const body = request.postDataBuffer();
      const method = request.method();
      const response = await access.fetch(
        new Request(url, { method, headers, ...(body && method !== 'GET' && method !== 'HEAD' ? { body: new Uint8Array(body) } : {}) }),
      );
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      await route.fulfill({ status: response.status, headers: responseHeaders, body: Buffer.from(await response.arrayBuffer()) });
    } catch (err) {
      this.options.logger.warn({ err, url: url.pathname }, 'app check: the draft did not answer');
      await route.abort('failed').catch(() => {});
    }
  }

  /** Collects what the page reports while it runs: exceptions, console errors, failed function requests. */
  private watch(page: Page, origin: string, problems: AppProblem[], currentRoute: () => string): void {
    page.on('pageerror', (error) => {
      const component = componentOf(error.stack);
      problems.push({ route: currentRoute(), kind: 'exception', ...(component ? { component } : {}), message: clip(error.message || String(error)) });
    });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      // A failed request is reported as such below (the app's functions) or is not the app's (refused here).
      if (text.startsWith('Failed to load resource')) return;
      const component = componentOf(message.location().url) ?? componentOf(text);
      problems.push({ route: currentRoute(), kind: 'console', ...(component ? { component } : {}), message: clip(text) });
    });
    const functionOf = (url: string): string | null => {
      const parsed = new URL(url);
      if (parsed.origin !== origin) return null;
      return /^\/api\/([^/?#]+)/.exec(parsed.pathname)?.[1] ?? null;
    };
    page.on('response', (response) => {
      const fn = functionOf(response.url());
      if (fn && response.status() >= 500)
        problems.push({
          route: currentRoute(),
          kind: 'function',
          function: fn,
          message: `${response.request().method()} /api/${fn} answered ${response.status()} ${response.statusText()}`.trim(),
        });
    });
    page.on('requestfailed', (request) => {
      const fn = functionOf(request.url());
      if (fn)
        problems.push({
          route: currentRoute(),
          kind: 'function',
          function: fn,
          message: `${request.method()} /api/${fn} failed: ${request.failure()?.errorText ?? 'network error'}`,
        });
    });
  }

  /**
   * Waits until the shell shows no "Loading…" (components and their data arrived), then until no
   * request has been in flight for QUIET_MS (effects ran and their requests were answered), within
   * `timeoutMs`. Playwright's "networkidle" would wait 500 ms more on every route.
   */
  private async settle(page: Page, inFlight: () => number, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    await page.waitForFunction("document.querySelector('[data-tessera-loading]') === null", undefined, { timeout: Math.max(1, timeoutMs) }).catch(() => {});
    let quietSince = performance.now();
    while (performance.now() < until) {
      await page.waitForTimeout(POLL_MS);
      if (inFlight() > 0) quietSince = performance.now();
      else if (performance.now() - quietSince >= QUIET_MS) return;
    }
  }

  /** What the page shows: error boundaries that caught something, or nothing at all. */
  private async inspect(page: Page, route: string): Promise<AppProblem[]> {
    const seen = (await page.evaluate(INSPECT_PAGE)) as { boxes: Array<{ component: string; text: string }>; blank: boolean };
    const problems: AppProblem[] = seen.boxes.map((box) => ({
      route,
      kind: 'boundary' as const,
      ...(box.component ? { component: box.component } : {}),
      message: clip(box.text),
    }));
    if (seen.blank) problems.push({ route, kind: 'blank', message: 'The page shows nothing: no text, image or control is visible.' });
    return problems;
  }

  async close(): Promise<void> {
    this.closed = true;
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser.catch(() => null))?.close();
  }
}

/** How many of the page's requests are in flight now. */
function trackRequests(page: Page): () => number {
  let pending = 0;
  page.on('request', () => pending++);
  page.on('requestfinished', () => pending--);
  page.on('requestfailed', () => pending--);
  return () => pending;
}

/**
 * One report per fault: React logs what an error boundary caught to the console as well, and an
 * exception a boundary caught shows in its box; the box (which names the component) is kept.
 */
function dedupe(problems: AppProblem[]): AppProblem[] {
  const boxes = problems.filter((p) => p.kind === 'boundary');
  const seen = new Set<string>();
  return problems.filter((p) => {
    if (
      (p.kind === 'console' || p.kind === 'exception') &&
      boxes.some((box) => box.route === p.route && box.message.length > 0 && messageCore(p.message) !== '' && box.message.includes(messageCore(p.message)))
    )
      return false;
    const key = JSON.stringify([p.route, p.kind, p.component, p.function, p.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The first line of an error message, without a leading "Uncaught Error:" or "Error:". */
function messageCore(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/^(Uncaught\s+)?(\w*Error:\s*)?/, '').trim();
}
