import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../project-root.ts';
import { ALL_TOOLS, describeTools, READ_TOOLS } from './index.ts';

/**
 * What a newcomer who adds a tool by copying the nearest one may forget: a name the model API accepts,
 * a description, parameters whose JSON Schema is an object, the docs, and saying whether it writes.
 * (Its access and audit come from the tool route's declaration, TOOL_CALL: src/server/routes.test.ts.)
 */
describe('the tool catalog', () => {
  const docs = readFileSync(path.join(PROJECT_ROOT, 'docs', 'agent.md'), 'utf8');

  it('names each tool once, in a form every OpenAI-compatible API accepts', () => {
    const names = ALL_TOOLS.map((tool) => tool.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/);
  });

  it('describes each tool and gives it object parameters with a JSON Schema', () => {
    for (const tool of describeTools()) {
      expect(tool.description.length, tool.name).toBeGreaterThan(20);
      expect(tool.parameters.type, tool.name).toBe('object');
    }
  });

  it('documents each tool in docs/agent.md', () => {
    const missing = ALL_TOOLS.map((tool) => tool.name).filter((name) => !docs.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('marks the read-only helpers read-only, and only them', () => {
    for (const tool of ALL_TOOLS) expect(Boolean(tool.readOnly), tool.name).toBe(READ_TOOLS.includes(tool));
  });
});
