import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildComponent } from '../bundler/index.ts';
import { DEFAULT_THEME, StyleBuilder, scanCandidates } from './index.ts';

/** A real component bundle (esbuild, minified), as the tenant state holds it. */
async function component(name: string, className: string): Promise<{ code: string; hash: string }> {
  return buildComponent({ name, code: `export default function ${name}() { return <div className="${className}">hi</div>; }` });
}

/** The rule block of one selector in minified CSS, or null. */
function rule(css: string, selector: string): string | null {
  const at = css.indexOf(`${selector}{`);
  return at < 0 ? null : css.slice(at, css.indexOf('}', at) + 1);
}

describe('StyleBuilder', () => {
  it('emits rules for the classes a component uses, and ignores words that are not classes', async () => {
    const styles = new StyleBuilder();
    const sheet = await styles.build('a', { components: [await component('Box', 'bg-red-500 px-4 hover:underline md:grid-cols-3 not-a-tailwind-class')] });
    expect(rule(sheet.code, '.bg-red-500')).toContain('background-color:var(--color-red-500)');
    expect(rule(sheet.code, '.px-4')).toContain('padding-inline:calc(var(--spacing) * 4)');
    expect(sheet.code).toContain('.hover\\:underline:hover');
    expect(sheet.code).toMatch(/@media \(min-width:48rem\)\{\.md\\:grid-cols-3\{grid-template-columns:repeat\(3,minmax\(0,1fr\)\)\}/);
    // The palette colour the rule reads is defined too (Tailwind keeps only the theme values in use).
    expect(sheet.code).toMatch(/--color-red-500:oklch\(/);
    expect(sheet.code).not.toContain('not-a-tailwind-class');
    // Words from the bundle that are no utilities ("default", "function") make no rules either.
    expect(sheet.code).not.toMatch(/\.default\{|\.function\{/);
    // Tailwind's reset is in, in its layer, so utilities always beat it.
    const order = ['@layer theme{', '@layer base{', '@layer utilities{'].map((layer) => sheet.code.indexOf(layer));
    expect(order[0]).toBeGreaterThan(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(sheet.code).toContain('box-sizing:border-box');
  });

  it('is content-addressed: another class gives another file name; the same input the same bytes', async () => {
    const styles = new StyleBuilder();
    const one = await styles.build('a', { components: [await component('Box', 'bg-red-500')] });
    expect(one.hash).toBe(createHash('sha256').update(one.code).digest('hex'));
    expect(one.fileName).toBe(`styles.${one.hash.slice(0, 12)}.css`);
    expect(one.bytes).toBe(Buffer.byteLength(one.code));
    const two = await styles.build('a', { components: [await component('Box', 'bg-red-500 text-fuchsia-700')] });
    expect(two.fileName).not.toBe(one.fileName);
    expect(rule(two.code, '.text-fuchsia-700')).not.toBeNull();
    // Back to the first source: the class that went away is gone again, the bytes are the first ones,
    // whether built by this builder (which had seen text-fuchsia-700) or a brand new one.
    const back = await styles.build('a', { components: [await component('Box', 'bg-red-500')] });
    expect(rule(back.code, '.text-fuchsia-700')).toBeNull();
    expect(back.code).toBe(one.code);
    expect((await new StyleBuilder().build('b', { components: [await component('Box', 'bg-red-500')] })).code).toBe(one.code);
  });

  it('exposes the theme as CSS variables and Tailwind tokens, defaults filled in', async () => {
    const styles = new StyleBuilder();
    const comp = await component('Themed', 'bg-primary text-primary-foreground rounded-theme border-border font-sans');
    const themed = await styles.build('t', { components: [comp], theme: { primary: '#ff0066', radius: '12px', font: 'Georgia, serif' } });
    expect(rule(themed.code, '.bg-primary')).toContain('background-color:var(--primary)');
    expect(rule(themed.code, '.rounded-theme')).toContain('border-radius:var(--radius)');
    expect(rule(themed.code, '.border-border')).toContain('border-color:var(--border)');
    expect(themed.code).toContain('--primary:#f06');
    expect(themed.code).toContain('--radius:12px');
    expect(themed.code).toContain('--font:Georgia, serif');
    expect(themed.code).toContain(`--border:${DEFAULT_THEME.border}`);
    // The theme changes, the classes do not: another stylesheet, no other rule.
    const other = await styles.build('t', { components: [comp], theme: { primary: 'teal' } });
    expect(other.fileName).not.toBe(themed.fileName);
    expect(other.code).toContain('--primary:teal');
    expect(other.code).toContain('--radius:.5rem');
    // The older theme key still works.
    expect((await styles.build('t', { components: [comp], theme: { primaryColor: '#123456' } })).code).toContain('--primary:#123456');
  });

  it("always holds the UI kit's and the shell's classes, and finds recent stylesheets by file name", async () => {
    const styles = new StyleBuilder();
    const kit = styles.kitCandidates();
    expect(kit.length).toBeGreaterThan(20);
    const empty = await styles.build('k', { components: [] });
    // A class only the shell uses (its error box) is in a stylesheet of an app without components.
    expect(kit).toContain('border-red-300');
    expect(rule(empty.code, '.border-red-300')).not.toBeNull();
    expect(styles.find('k', empty.fileName)).toBe(empty);
    expect(styles.find('other', empty.fileName)).toBeNull();
  });

  it('scans candidates from minified bundles', async () => {
    const built = await buildComponent({
      name: 'Cond',
      code: "export default function Cond({ on }: { on: boolean }) { return <p className={on ? 'text-green-600 font-bold' : `text-gray-400 ${'italic'}`}>x</p>; }",
    });
    expect(scanCandidates(built.code)).toEqual(expect.arrayContaining(['text-green-600', 'font-bold', 'text-gray-400', 'italic']));
  });
});
