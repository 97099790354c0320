import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/tools/index.ts';
import { launchChromium } from '../support/browser.ts';
import { fixturePackages } from '../support/npm-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../support/npm-registry.ts';
import { startTestServer } from '../support/platform.ts';

describe('npm packages in the browser', () => {
  let registry: TestRegistry;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  beforeAll(async () => {
    registry = await startTestRegistry(fixturePackages().packages);
    server = await startTestServer({ npm_config_registry: registry.url });
    browser = await launchChromium();
    await server.platform.tenants.create('shared');
    const call = (tool: string, args: unknown): Promise<unknown> => runTool(server.platform, 'shared', tool, args);
    // Two components share tiny-format (each taking another name from it); one also uses a CommonJS package.
    await call('createFrontendComponent', {
      name: 'First',
      code: `import { fmt } from 'tiny-format';\nexport default function First() { return <p data-testid="first">{fmt(1)}</p>; }\n`,
    });
    await call('createFrontendComponent', {
      name: 'Second',
      code: `import { fmt as f, unused } from 'tiny-format';\nimport { greet } from 'cjs-greet';\nexport default function Second() { return <p data-testid="second">{f(2)} {greet('two')} {unused.length}</p>; }\n`,
    });
    await call('updateUILayout', {
      blueprint: {
        version: 1,
        title: 'Shared',
        routes: [{ path: '/', root: { component: 'Container', children: [{ component: 'First' }, { component: 'Second' }] } }],
      },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await registry?.close();
  });

  it('loads a package two components share exactly once', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const requested: string[] = [];
    page.on('request', (req) => requested.push(new URL(req.url()).pathname));
    await page.goto(await server.previewLink('shared'));
    await page.getByTestId('first').waitFor();
    await page.getByTestId('second').waitFor();
    expect(await page.getByTestId('first').textContent()).toBe('v2:001');
    expect(await page.getByTestId('second').textContent()).toBe('v2:002 hello two 20');
    expect(errors).toEqual([]);
    const imports = JSON.parse((await page.locator('script[type="importmap"]').textContent())!).imports as Record<string, string>;
    const tiny = imports['tiny-format']!;
    expect(tiny).toMatch(/^\/_tessera\/pkg\//);
    expect(requested.filter((p) => p === tiny)).toHaveLength(1);
    expect(requested.filter((p) => p === imports['cjs-greet'])).toHaveLength(1);
    // Both component bundles were loaded, and neither carries its own copy of the package.
    const bundles = requested.filter((p) => p.startsWith('/_tessera/mfe/'));
    expect(bundles).toHaveLength(2);
    for (const bundle of bundles) {
      const code = await page.evaluate(async (url) => (await fetch(url)).text(), bundle);
      expect(code).not.toContain('v2:');
    }
    await page.close();
  });

  it("lists the app's packages in the API and the builder: versions, who imports them, browser modules", async () => {
    const answer = await (await fetch(`${server.url}/api/tenants/shared/packages`)).json();
    const byName = Object.fromEntries(answer.packages.map((p: { name: string }) => [p.name, p]));
    expect(byName['tiny-format']).toMatchObject({ version: '2.0.0', direct: true, usedBy: { components: ['First', 'Second'], functions: [] } });
    expect(byName['tiny-format'].integrity).toMatch(/^sha512-/);
    expect(byName['tiny-format'].browserModules).toEqual([
      { specifier: 'tiny-format', url: expect.stringMatching(/^\/_tessera\/pkg\//), bytes: expect.any(Number) },
    ]);
    expect(byName['tiny-format'].browserModules[0].bytes).toBeGreaterThan(0);
    expect(byName['cjs-greet']).toMatchObject({ direct: true, usedBy: { components: ['Second'], functions: [] } });
    expect(answer.packages.filter((p: { direct: boolean }) => p.direct).map((p: { name: string }) => p.name)).toEqual(['cjs-greet', 'tiny-format']);

    const page = await browser.newPage();
    await page.goto(`${server.url}/?token=${server.token}&app=shared`);
    await page.getByRole('button', { name: 'shared', exact: true }).click();
    await page.getByRole('tab', { name: 'Packages' }).click();
    const row = page.getByLabel('Packages', { exact: true }).getByRole('row').filter({ hasText: 'tiny-format' });
    await row.getByText('First, Second').waitFor();
    expect(await row.textContent()).toContain('2.0.0');
    await page.close();
  });
});
