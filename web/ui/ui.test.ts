import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { buildSystemPrompt } from '../../src/agent/system-prompt.ts';
import { StyleBuilder } from '../../src/styles/index.ts';
import { UI_KIT, kitPromptText } from './catalog.ts';
import * as kit from './index.tsx';
import { sameOriginPath } from './parts/user.tsx';

/** Exports the shell uses that are not parts for apps (so not in the catalog). */
const SHELL_ONLY = ['Toaster', 'RELOAD_EVENT'];

describe('@tessera/ui', () => {
  it('exports exactly the parts its catalog describes (the prompt and the blueprint read the catalog)', () => {
    const exported = Object.keys(kit)
      .filter((name) => !SHELL_ONLY.includes(name))
      .sort();
    expect(exported).toEqual(UI_KIT.map((part) => part.name).sort());
    for (const part of UI_KIT) expect(typeof (kit as Record<string, unknown>)[part.name]).toBe('function');
  });

  it('renders every blueprint-placeable part on the server from JSON props alone', () => {
    const sample: Record<string, Record<string, unknown>> = {
      AppLayout: { title: 'Shop', nav: [{ to: '/', label: 'Home' }], children: 'Body' },
      Button: { children: 'Save' },
      Input: { label: 'Name', name: 'name' },
      Textarea: { label: 'Notes', name: 'notes' },
      Select: { label: 'Size', name: 'size', options: ['S', { value: 'm', label: 'M' }] },
      Checkbox: { label: 'Done', name: 'done' },
      Form: { action: 'save', fields: [{ name: 'title', label: 'Title', required: true }] },
      Table: { columns: [{ key: 'name', label: 'Name', sortable: true }], rows: [{ id: 1, name: 'Ada' }] },
      Card: { title: 'Card', children: 'x' },
      Stat: { label: 'Users', value: 1200, change: '+5%' },
      Badge: { children: 'New' },
      Tabs: { tabs: ['One', 'Two'] },
      Dialog: { title: 'Sure?', triggerLabel: 'Open' },
      EmptyState: { title: 'Nothing yet' },
      Spinner: {},
      SignIn: { next: '/journal' },
      SignUp: { signInTo: '/signin' },
      UserMenu: {},
    };
    for (const part of UI_KIT.filter((p) => p.blueprint)) {
      const props = sample[part.name];
      expect(props, `a sample for ${part.name}`).toBeDefined();
      expect(renderToString(h((kit as Record<string, any>)[part.name], props)).length, part.name).toBeGreaterThan(20);
    }
  });

  it('ties labels, hints and errors to their controls, and marks the invalid ones', () => {
    const html = renderToString(h(kit.Input, { label: 'Email', name: 'email', hint: 'We never share it', error: 'Already taken' }));
    const id = /<input[^>]* id="([^"]+)"/.exec(html)![1]!;
    expect(html).toContain(`<label for="${id}"`);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain(`aria-describedby="${id}-hint ${id}-error"`);
    expect(html).toMatch(new RegExp(`id="${id}-error"[^>]*>Already taken<`));
    expect(renderToString(h(kit.Input, { label: 'Email', name: 'email' }))).not.toContain('aria-invalid=');
    // Sortable headers say how they sort; the table pages.
    const table = renderToString(
      h(kit.Table, { columns: [{ key: 'n', label: 'N', sortable: true }], rows: Array.from({ length: 25 }, (_, i) => ({ id: i, n: i })), pageSize: 10 }),
    );
    expect(table).toContain('aria-sort="none"');
    expect(table).toContain('Page <!-- -->1<!-- --> of <!-- -->3');
    expect(table.match(/<tr /g)).toHaveLength(11);
  });

  it("renders the app users' parts on the server without asking who is signed in (no window while rendering)", () => {
    expect(typeof globalThis.window).toBe('undefined');
    const signIn = renderToString(h(kit.SignIn, { description: 'Welcome back' }));
    expect(signIn).toContain('>Sign in</h2>');
    const input = (html: string, name: string) => new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0] ?? '';
    expect(input(signIn, 'email')).toContain('type="email"');
    expect(input(signIn, 'password')).toContain('type="password"');
    expect(input(signIn, 'password')).toContain('autoComplete="current-password"');
    expect(signIn).toContain('Create an account');
    expect(signIn).not.toContain('name="name"');
    const signUp = renderToString(h(kit.SignUp, { signInTo: '/signin', next: '/journal' }));
    expect(signUp).toContain('name="name"');
    expect(signUp).toContain('href="/signin?next=%2Fjournal"');
    // A link prop that leaves the app is dropped: the link turns the form in place instead.
    expect(renderToString(h(kit.SignIn, { signUpTo: '//evil.example/signup' }))).not.toContain('evil.example');
    expect(renderToString(h(kit.UserMenu, {}))).toContain('animate-pulse');
    expect(renderToString(h(kit.AppLayout, { title: 'Journal', userMenu: true }))).toContain('animate-pulse');
  });

  it('sends a visitor after signing in only to a path of this app', () => {
    for (const good of ['/', '/journal', '/notes/7?tab=2#top']) expect(sameOriginPath(good)).toBe(good);
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'journal', '/\t/evil.example', '/\n/x', '', null, 7])
      expect(sameOriginPath(bad), String(bad)).toBeNull();
  });

  it("puts every class the kit uses into each app's stylesheet", async () => {
    const sheet = await new StyleBuilder().build('kit', { components: [] });
    for (const selector of [
      '.bg-primary',
      '.text-primary-foreground',
      '.rounded-theme',
      '.border-border',
      '.aria-invalid\\:border-danger',
      '.backdrop\\:bg-black\\/40',
      '.animate-spin',
      '.sr-only',
    ]) {
      expect(sheet.code, selector).toContain(`${selector}`);
    }
  });

  it("is listed, part by part with its props, in the agent's system prompt", async () => {
    const text = kitPromptText();
    for (const part of UI_KIT) expect(text).toContain(`- ${part.name}`);
    expect(text).toContain('columns: Array<{ key: string; label: string; sortable?: boolean');
    const tenant = {
      id: 'x',
      draftDb: { describe: async () => [] },
      state: { migrationVersion: 0, functions: new Map(), components: new Map(), blueprint: { version: 1, routes: [] } },
    };
    const prompt = await buildSystemPrompt(tenant as never);
    expect(prompt).toContain(text);
    expect(prompt).toContain('"ui.<Part>"');
    expect(prompt).toContain('primaryForeground');
  });
});
