import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { themeSchema } from '../blueprint/index.ts';
import { StyleBuilder } from './index.ts';

/**
 * The Tailwind build runs in the platform's process (not in the build sandbox): nothing
 * tenant-controlled may make it read a file. Its input CSS is a constant (the only place an
 * `@import`/`@plugin`/`@config`/`@reference`/`@source` could load one); candidates only pick
 * utilities; theme values are validated and appended after Tailwind ran. See docs/security.md.
 */
describe('Tailwind stylesheet build and tenant input', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-style-canary-'));
  const canary = `STYLE-CANARY-${process.pid}`;
  const files = { css: path.join(dir, 'evil.css'), js: path.join(dir, 'plugin.js'), text: path.join(dir, 'secret.txt') };
  writeFileSync(files.css, `.leak{content:"${canary}-css"}\n`);
  writeFileSync(files.js, `module.exports = function () { throw new Error('${canary}-plugin ran'); };\n`);
  writeFileSync(files.text, `${canary}-text\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads no file named in class candidates, however they are written', async () => {
    const classes = [
      `bg-[url(${files.text})]`,
      `bg-[url('file://${files.text}')]`,
      `content-['${files.text}']`,
      `[@import_'${files.css}']`,
      `[@plugin_'${files.js}']`,
      `@import`,
      `[mask-image:url(${files.css})]`,
      `@[url(${files.css})]:flex`,
      `supports-[@import_url(${files.css})]:flex`,
      `[@source_'${dir}']`,
    ].join(' ');
    const code = `export default function Evil() { return React.createElement('div', { className: ${JSON.stringify(classes)} }); }`;
    const sheet = await new StyleBuilder().build('evil', { components: [{ code, hash: createHash('sha256').update(code).digest('hex') }] });
    expect(sheet.code).not.toContain(canary);
    // No rule that would make a browser (or a later CSS pass) fetch or load anything: a candidate's
    // text may appear inside a selector or an @supports condition, never as an at-rule of its own.
    expect(sheet.code).not.toMatch(/(^|[;{}])\s*@(import|plugin|source|config|reference)\b/);
    expect(sheet.code).toContain('.supports-\\[\\@import_url'); // the candidate was compiled, harmlessly
  });

  it('refuses theme values that could open an at-rule or a url()', () => {
    for (const value of [`red;}@import "${files.css}";:root{--x:red`, `url(${files.text})`, `"x"}@import url(${files.css})`]) {
      expect(themeSchema.safeParse({ primary: value }).success, value).toBe(false);
      expect(themeSchema.safeParse({ font: value }).success, value).toBe(false);
      expect(themeSchema.safeParse({ radius: value }).success, value).toBe(false);
    }
  });
});
