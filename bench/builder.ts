/**
 * The builder's weight and first paint: its production bundle (what the first page load fetches,
 * and the lazily loaded editor), and the time from navigation to the project list in Chromium on
 * loopback, beside a bare node:http page with one script loaded the same way.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { launchChromium } from '../test/support/browser.ts';
import type { startTestServer } from '../test/support/platform.ts';
import { report } from './stats.ts';

export async function benchBuilder(server: Awaited<ReturnType<typeof startTestServer>>, runs: number): Promise<void> {
  process.stdout.write('\n# Builder: production bundle and load time on loopback (Chromium)\n');
  const dir = path.join(PROJECT_ROOT, 'dist', 'builder', 'assets');
  const files = readdirSync(dir);
  const html = readFileSync(path.join(PROJECT_ROOT, 'dist', 'builder', 'index.html'), 'utf8');
  const initial = files.filter((f) => html.includes(f));
  const lazy = files.filter((f) => !html.includes(f));
  const size = (list: string[]) => list.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
  const gz = (list: string[]) => list.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(dir, f))).length, 0);
  process.stdout.write(
    `${'builder first load (js+css)'.padEnd(34)} ${(size(initial) / 1024).toFixed(0).padStart(7)} KB (${(gz(initial) / 1024).toFixed(0)} KB gzip)  |  lazy editor chunk ${(size(lazy) / 1024).toFixed(0)} KB (${(gz(lazy) / 1024).toFixed(0)} KB gzip)\n`,
  );

  const script = 'document.getElementById("root").textContent = "No apps yet.";';
  const bare = http.createServer((req, res) => {
    if (req.url === '/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><div id="root"></div><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const browser = await launchChromium();
  try {
    /** Milliseconds from navigation start to the project list on screen, measured in the page (a fresh context: cold cache). */
    // One sign-in (sign-ins are throttled per address); each fresh context then carries its session cookie.
    const signIn = await browser.newContext();
    await (await signIn.newPage()).goto(`${server.url}/?token=${server.token}`);
    const session = await signIn.cookies();
    await signIn.close();
    const load = async (url: string): Promise<number> => {
      const context = await browser.newContext();
      if (url !== bareUrl) await context.addCookies(session);
      const page = await context.newPage();
      await page.goto(url);
      const handle = await page.waitForFunction(() => (document.body.textContent.includes('No apps yet.') ? performance.now() : 0), undefined, {
        polling: 'raf',
      });
      const ms = (await handle.jsonValue()) as number;
      await context.close();
      return ms;
    };
    const timed = async (url: string, n: number): Promise<number[]> => {
      await load(url);
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push(await load(url));
      return times;
    };
    const runsHere = Math.min(runs, 20);
    report('builder: navigation to project list', await timed(server.url, runsHere), 'bare node:http page + script', await timed(bareUrl, runsHere));
  } finally {
    await browser.close();
    bare.close();
  }
}
