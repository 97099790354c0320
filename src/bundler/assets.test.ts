import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAppAssets, renderShellHtml, type AppAssets } from './index.ts';

// Strings that exist once in React's core and once in react-dom's client, in their production builds.
const REACT_CORE = 'The argument must be a React element, but you passed';
const REACT_DOM_CLIENT = 'Skipping view transition because viewport size changed.';
const SPECIFIERS = ['@tessera/ui', 'react', 'react-dom', 'react-dom/client', 'react/jsx-dev-runtime', 'react/jsx-runtime'];

let assets: AppAssets;
beforeAll(async () => {
  assets = await buildAppAssets();
});

const files = (): string[] => [...assets.assets.keys()];
const containing = (text: string): string[] => [...assets.assets.values()].filter((a) => a.code.includes(text)).map((a) => a.fileName);

describe('buildAppAssets', () => {
  it('maps every shared specifier to a served, content-addressed vendor file', () => {
    expect(Object.keys(assets.importMap.imports).sort()).toEqual(SPECIFIERS);
    for (const url of Object.values(assets.importMap.imports)) {
      expect(url).toMatch(/^\/_tessera\/assets\/[a-z-]+-[A-Z0-9]{8}\.js$/);
      expect(assets.assets.has(url.slice('/_tessera/assets/'.length))).toBe(true);
    }
    for (const asset of assets.assets.values()) {
      expect(asset.hash).toBe(createHash('sha256').update(asset.code).digest('hex'));
      expect(asset.contentType).toBe('text/javascript; charset=utf-8');
    }
  });

  it('contains exactly one React and one react-dom, shared through chunks', () => {
    expect(containing(REACT_CORE)).toHaveLength(1);
    expect(containing(REACT_DOM_CLIENT)).toHaveLength(1);
    const imported = [...assets.assets.values()].flatMap((asset) => [...asset.code.matchAll(/from"\.\/([^"]+)"/g)].map((m) => m[1]!));
    expect(imported.length).toBeGreaterThan(0);
    for (const file of imported) expect(files()).toContain(file);
  });

  it('is a production build', () => {
    for (const asset of assets.assets.values()) {
      expect(asset.code).not.toContain('process.env.NODE_ENV');
      expect(asset.code).not.toContain('react.development');
    }
  });

  it('builds the shell with React external, through the import map', () => {
    const shell = assets.assets.get(assets.shellFile)!;
    expect(assets.shellFile).toMatch(/^shell-[A-Z0-9]{8}\.js$/);
    expect(shell.code).toMatch(/from"react"/);
    expect(shell.code).toMatch(/from"react-dom\/client"/);
    expect(shell.code).not.toContain(REACT_CORE);
    expect(shell.code.length).toBeLessThan(30_000);
  });

  it('is deterministic and honours baseUrl', async () => {
    const again = await buildAppAssets({ baseUrl: 'https://cdn.example/app/' });
    expect([...again.assets.keys()].sort()).toEqual(files().sort());
    expect(again.importMap.imports.react).toBe(`https://cdn.example/app/assets/${assets.importMap.imports.react!.split('/').pop()}`);
  });
});

describe('renderShellHtml', () => {
  const hostile = { version: 1, title: '</script><script>alert(1)</script>', routes: [], note: '<!-- x --> & \u2028 \u2029 </SCRIPT >' };

  function appData(html: string): unknown {
    const json = /<script type="application\/json" id="tessera-app">(.*?)<\/script>/s.exec(html)?.[1];
    return JSON.parse(json!);
  }

  it('escapes the inline app data so no value can close the script, and it parses back unchanged', () => {
    const html = renderShellHtml({ title: 'Notes', assets, blueprint: hostile, components: { A: '/_tessera/mfe/A.0123456789ab.js' }, mode: 'draft' });
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).not.toMatch(/<\/script\s*>\s*<script>alert/i);
    expect(html).not.toContain('<!-- x -->');
    expect(html).toContain('\\u003c/script\\u003e');
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(appData(html)).toEqual({ blueprint: hostile, components: { A: '/_tessera/mfe/A.0123456789ab.js' }, mode: 'draft' });
  });

  it('escapes the title', () => {
    const html = renderShellHtml({ title: '<b>Tom & "Jerry"</b>', assets, blueprint: {}, components: {} });
    expect(html).toContain('<title>&#60;b&#62;Tom &#38; &#34;Jerry&#34;&#60;/b&#62;</title>');
  });

  it('is a complete page: import map, app data, root, shell module, base CSS, no other origin', () => {
    const html = renderShellHtml({ title: 'Notes', assets, blueprint: { version: 1, routes: [] }, components: {} });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const importMap = JSON.parse(/<script type="importmap">(.*?)<\/script>/s.exec(html)![1]!) as unknown;
    expect(importMap).toEqual(assets.importMap);
    expect(html).toContain('<div id="root"></div>');
    expect(html).toContain(`<script type="module" src="/_tessera/assets/${assets.shellFile}"></script>`);
    expect(html).toMatch(/<style>[^<]*font-family:system-ui/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(appData(html)).toMatchObject({ mode: 'live' });
  });

  it("links the app's stylesheet instead of the base CSS, which would beat Tailwind's layered utilities", () => {
    const html = renderShellHtml({ title: 'x', assets, blueprint: {}, components: {}, stylesheet: '/_tessera/assets/styles.0123456789ab.css' });
    expect(html).toContain('<link rel="stylesheet" href="/_tessera/assets/styles.0123456789ab.css">');
    expect(html).not.toContain('<style>');
  });

  it('rebases asset URLs on a given baseUrl', () => {
    const html = renderShellHtml({ title: 'x', assets, baseUrl: '/static/', blueprint: {}, components: {} });
    expect(html).toContain(`src="/static/assets/${assets.shellFile}"`);
    expect(html).toContain(`"react":"/static/assets/`);
    expect(html).not.toContain('/_tessera/');
  });
});
