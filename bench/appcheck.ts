/**
 * The app check (src/appcheck): its time for a 3-route app, with Chromium cold (the check's first
 * run starts it) and warm (started, reused), beside Chromium loading three bare node:http pages the
 * same way (launch or not, one fresh context, three navigations) in the same run.
 */
import http from 'node:http';
import { AppChecker } from '../src/appcheck/index.ts';
import { createSilentLogger } from '../src/log.ts';
import { draftAccess } from '../src/server/app-check-access.ts';
import { createApp } from '../src/server/index.ts';
import { runTool } from '../src/tools/index.ts';
import { launchChromium } from '../test/support/browser.ts';
import type { startTestServer } from '../test/support/platform.ts';
import { report, sample } from './stats.ts';

const ROUTES = ['/', '/items', '/items/:id'];

export async function benchAppCheck(server: Awaited<ReturnType<typeof startTestServer>>, runs: number): Promise<void> {
  process.stdout.write('\n# App check: a 3-route draft in Chromium, cold and warm browser\n');
  const { platform } = server;
  await platform.tenants.create('bench-appcheck');
  const call = (tool: string, args: unknown) => runTool(platform, 'bench-appcheck', tool, args);
  for (const name of ['Home', 'Items', 'Item'])
    await call('createFrontendComponent', { name, code: `export default function ${name}() { return <p>${name}</p>; }` });
  await call('updateUILayout', {
    blueprint: { version: 1, routes: ROUTES.map((path, i) => ({ path, root: { component: ['Home', 'Items', 'Item'][i] } })) },
  });
  const access = draftAccess(platform, createApp(platform));
  const options = { chromiumPath: platform.config.appCheck.chromiumPath, timeoutMs: 60_000, logger: createSilentLogger() };

  const bare = http.createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>page</p>'));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}`;
  const bareVisit = async (browser: Awaited<ReturnType<typeof launchChromium>>) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const path of ['/', '/items', '/items/1']) await page.goto(`${bareUrl}${path}`, { waitUntil: 'load' });
    await context.close();
  };
  const coldRuns = Math.min(runs, 5);
  try {
    const cold = await sample(
      coldRuns,
      async () => {
        const checker = new AppChecker(options);
        checker.attach(access);
        const result = await checker.check('bench-appcheck', ROUTES);
        await checker.close();
        if (!result.ok) throw new Error(`The bench app failed its check: ${JSON.stringify(result.problems)}`);
      },
      1,
    );
    const bareCold = await sample(
      coldRuns,
      async () => {
        const browser = await launchChromium();
        await bareVisit(browser);
        await browser.close();
      },
      1,
    );
    report('app check, 3 routes, cold Chromium', cold, 'launch + 3 bare pages', bareCold);

    const warmChecker = new AppChecker(options);
    warmChecker.attach(access);
    const browser = await launchChromium();
    try {
      const warm = await sample(runs, () => warmChecker.check('bench-appcheck', ROUTES));
      const bareWarm = await sample(runs, () => bareVisit(browser));
      report('app check, 3 routes, warm Chromium', warm, '3 bare pages, warm browser', bareWarm);
    } finally {
      await warmChecker.close();
      await browser.close();
    }
  } finally {
    bare.close();
  }
}
