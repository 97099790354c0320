import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from '../support/browser.ts';
import { request } from '../support/http.ts';

/** Tailwind in a real app: classes of tenant components, the blueprint theme, draft and live. */

const fixture = useServerAndBrowser();

async function api(path: string, body: unknown): Promise<any> {
  const res = await fetch(`${fixture.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

const badge = (color: string) => `export default function Badge({ text = 'Hello' }: { text?: string }) {
  return (
    <div className="p-4">
      <span data-testid="tw" className="${color} inline-block rounded-lg px-3 py-1 text-white">{text}</span>
      <button data-testid="themed" className="bg-primary text-primary-foreground rounded-theme px-4 py-2 font-sans">Go</button>
    </div>
  );
}`;

const blueprint = (theme: Record<string, string>) => ({ version: 1, title: 'Styled', theme, routes: [{ path: '/', root: { component: 'Badge' } }] });

/** The computed value of `property` on the element, and on a probe element styled with `expected` directly. */
async function computed(page: Page, testId: string, property: string, expected?: string): Promise<{ actual: string; reference: string | null }> {
  return page.evaluate(
    ([id, prop, value]) => {
      const actual = getComputedStyle(document.querySelector(`[data-testid="${id}"]`)!).getPropertyValue(prop!);
      if (!value) return { actual, reference: null };
      const probe = document.createElement('div');
      probe.style.setProperty(prop!, value);
      document.body.append(probe);
      const reference = getComputedStyle(probe).getPropertyValue(prop!);
      probe.remove();
      return { actual, reference };
    },
    [testId, property, expected] as const,
  );
}

describe('Tailwind CSS in generated apps', () => {
  it('applies component classes and the blueprint theme, and a live release keeps its own stylesheet', async () => {
    await api('/api/tenants', { id: 'styled' });
    const created = await api('/api/tenants/styled/tools/createFrontendComponent', { name: 'Badge', code: badge('bg-red-500') });
    expect(created.result.stylesheet).toMatch(/^\/_tessera\/assets\/styles\.[0-9a-f]{12}\.css$/);
    const layout = await api('/api/tenants/styled/tools/updateUILayout', {
      blueprint: blueprint({ primary: '#ff0066', radius: '14px', font: 'Georgia, serif' }),
    });
    expect(layout.result.stylesheet).not.toBe(created.result.stylesheet);

    const page = await fixture.browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(await fixture.server.previewLink('styled'));
    await page.getByTestId('tw').waitFor();

    // bg-red-500 is Tailwind's oklch(63.7% .237 25.331): the same colour as a probe styled with it.
    const red = await computed(page, 'tw', 'background-color', 'oklch(63.7% 0.237 25.331)');
    expect(red.actual).toBe(red.reference);
    expect(red.actual).not.toBe('rgba(0, 0, 0, 0)');
    expect((await computed(page, 'tw', 'padding-left')).actual).toBe('12px');
    // The theme: bg-primary, rounded-theme and font-sans follow the blueprint.
    expect((await computed(page, 'themed', 'background-color')).actual).toBe('rgb(255, 0, 102)');
    expect((await computed(page, 'themed', 'border-top-left-radius')).actual).toBe('14px');
    expect((await computed(page, 'themed', 'font-family')).actual).toBe('Georgia, serif');

    // The page links one stylesheet, served immutable as CSS.
    const href = await page.locator('link[rel="stylesheet"]').getAttribute('href');
    expect(href).toBe(layout.result.stylesheet);
    const css = await request(`${fixture.server.appUrl('styled')}${href!.slice(1)}`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toContain('immutable');
    expect(css.text).toContain('.bg-red-500{');

    // Release, then change the component: the draft turns blue, the live app stays red.
    await api('/api/tenants/styled/releases', { version: '1.0.0' });
    await api('/api/tenants/styled/releases/1.0.0/deploy', {});
    await api('/api/tenants/styled/tools/createFrontendComponent', { name: 'Badge', code: badge('bg-blue-600') });
    await page.goto(await fixture.server.previewLink('styled'));
    await page.getByTestId('tw').waitFor();
    const blue = await computed(page, 'tw', 'background-color', 'oklch(54.6% 0.245 262.881)');
    expect(blue.actual).toBe(blue.reference);
    const live = await fixture.browser.newPage();
    await live.goto(fixture.server.liveUrl('styled'));
    await live.getByTestId('tw').waitFor();
    const stillRed = await computed(live, 'tw', 'background-color', 'oklch(63.7% 0.237 25.331)');
    expect(stillRed.actual).toBe(stillRed.reference);
    expect(await live.locator('link[rel="stylesheet"]').getAttribute('href')).toBe(href);

    // As after a restart (nothing cached): the draft's stylesheet is built again on request; a made-up one is 404.
    const draftHref = (await page.locator('link[rel="stylesheet"]').getAttribute('href'))!;
    expect(draftHref).not.toBe(href);
    fixture.server.platform.styles.forget('styled');
    const rebuilt = await request(`${fixture.server.appUrl('styled')}${draftHref.slice(1)}`);
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.text).toContain('.bg-blue-600{');
    expect((await request(`${fixture.server.appUrl('styled')}_tessera/assets/styles.000000000000.css`)).status).toBe(404);
    expect(problems).toEqual([]);
  });

  it('refuses a theme value that is not a CSS value of its kind, naming the key', async () => {
    await api('/api/tenants', { id: 'badtheme' });
    const res = await fetch(`${fixture.server.url}/api/tenants/badtheme/tools/updateUILayout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blueprint: { version: 1, theme: { primary: 'red;}body{display:none', radius: 'url(x)' }, routes: [] } }),
    });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(body.error.code).toBe('BLUEPRINT_INVALID');
    expect(body.error.message).toContain('blueprint.theme.primary');
    expect(body.error.message).toContain('blueprint.theme.radius');
  });
});
