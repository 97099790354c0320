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
  it('accepts the core shape from DESIGN.md', () => {
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

  it('produces a JSON Schema with the recursive node', () => {
    const schema = blueprintJsonSchema();
    expect(schema.type).toBe('object');
    expect(JSON.stringify(schema)).toContain('"component"');
  });
});
