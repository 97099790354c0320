import { describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import { blueprintJsonSchema, blueprintReferences, parseBlueprint, validateBlueprint } from './index.ts';

const core = {
  version: 1,
  title: 'Notes',
  routes: [{ path: '/', title: 'Home', root: { component: 'NotesApp', props: { pageSize: 20 }, children: [], data: { notes: { function: 'list-notes' } } } }],
};

function errorOf(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('expected a TesseraError');
}

describe('blueprint', () => {
  it('accepts the core shape of the public contract (docs/blueprint.md)', () => {
    expect(validateBlueprint(core, { components: ['NotesApp'], functions: ['list-notes'] })).toEqual(core);
  });

  it('names every missing component and function', () => {
    const err = errorOf(() => validateBlueprint(core, { components: [], functions: [] }));
    expect(err.code).toBe('BLUEPRINT_REFERENCE');
    expect(err.message).toContain('NotesApp');
    expect(err.message).toContain('list-notes');
    expect(err.details).toMatchObject({ missingComponents: ['NotesApp'], missingFunctions: ['list-notes'] });
  });

  it('does not require built-in components to exist', () => {
    const bp = { version: 1, routes: [{ path: '/', root: { component: 'Stack', children: [{ component: 'Heading', props: { text: 'Hi' } }] } }] };
    expect(blueprintReferences(parseBlueprint(bp)).components.size).toBe(0);
    expect(validateBlueprint(bp, { components: [], functions: [] }).routes).toHaveLength(1);
  });

  it('reports shape errors with JSON paths', () => {
    const err = errorOf(() => parseBlueprint({ version: 2, routes: [{ path: 'no-slash', root: { component: 'lower' } }] }));
    expect(err.code).toBe('BLUEPRINT_INVALID');
    expect(err.message).toContain('blueprint.version');
    expect(err.message).toContain('blueprint.routes[0].path');
    expect(err.message).toContain('blueprint.routes[0].root.component');
  });

  it('refuses unknown keys and duplicate routes', () => {
    expect(errorOf(() => parseBlueprint({ ...core, extra: true })).code).toBe('BLUEPRINT_INVALID');
    const twice = { version: 1, routes: [core.routes[0], core.routes[0]] };
    expect(errorOf(() => validateBlueprint(twice, { components: ['NotesApp'], functions: ['list-notes'] })).message).toContain('appears twice');
  });

  it('takes a route access of "public", "user" or "admin" and nothing else', () => {
    const withAccess = (access: unknown) => ({ version: 1, routes: [{ path: '/journal', access, root: { component: 'ui.SignIn' } }] });
    for (const access of ['public', 'user', 'admin']) expect(parseBlueprint(withAccess(access)).routes[0]!.access).toBe(access);
    expect(parseBlueprint(core).routes[0]!.access).toBeUndefined();
    const err = errorOf(() => parseBlueprint(withAccess('owner')));
    expect(err.code).toBe('BLUEPRINT_INVALID');
    expect(err.message).toContain('blueprint.routes[0].access');
  });

  it('accepts a theme of CSS values and refuses anything that could escape its declaration', () => {
    const themed = (theme: unknown) => ({ version: 1, theme, routes: [] });
    const ok = {
      primary: '#0f766e',
      surface: 'rgb(255 255 255 / 0.9)',
      accent: 'oklch(0.95 0.05 180)',
      danger: 'crimson',
      radius: '0.75rem',
      font: '"Segoe UI", system-ui, sans-serif',
      primaryColor: 'anything older',
    };
    expect(parseBlueprint(themed(ok)).theme).toEqual(ok);
    for (const [key, value] of [
      ['primary', 'red;}body{display:none'],
      ['background', 'url(https://evil.example/x.png)'],
      ['radius', '1rem;color:red'],
      ['radius', 'calc(1px)'],
      ['font', "Inter'; } *{x:y"],
      ['font', '"open'],
    ] as const) {
      const err = errorOf(() => parseBlueprint(themed({ [key]: value })));
      expect(err.message, `${key}: ${value}`).toContain(`blueprint.theme.${key}`);
    }
    expect(errorOf(() => parseBlueprint(themed({ colour: '#fff' }))).message).toContain('blueprint.theme');
  });

  it('places UI kit parts as ui.<Part>, refuses unknown ones, and counts a ui.Form action as a function reference', () => {
    const bp = {
      version: 1,
      routes: [
        {
          path: '/',
          root: {
            component: 'ui.AppLayout',
            children: [
              { component: 'ui.Form', props: { action: 'save-item' } },
              { component: 'ui.Button', props: { children: 'Go' } },
            ],
          },
        },
      ],
    };
    const refs = blueprintReferences(parseBlueprint(bp));
    expect([...refs.components]).toEqual([]);
    expect([...refs.functions]).toEqual(['save-item']);
    expect(errorOf(() => validateBlueprint(bp, { components: [], functions: [] })).details).toMatchObject({
      missingComponents: [],
      missingFunctions: ['save-item'],
    });
    expect(validateBlueprint(bp, { components: [], functions: ['save-item'] }).routes).toHaveLength(1);
    const unknown = errorOf(() => parseBlueprint({ version: 1, routes: [{ path: '/', root: { component: 'ui.Carousel' } }] }));
    expect(unknown.message).toContain('blueprint.routes[0].root.component: is not a part of the UI kit; the kit has ui.AppLayout, ui.Button');
    // toast is for components only: not placeable.
    expect(errorOf(() => parseBlueprint({ version: 1, routes: [{ path: '/', root: { component: 'ui.toast' } }] })).code).toBe('BLUEPRINT_INVALID');
  });

  it('produces a JSON Schema with the recursive node', () => {
    const schema = blueprintJsonSchema();
    expect(schema.type).toBe('object');
    expect(JSON.stringify(schema)).toContain('"component"');
  });
});
