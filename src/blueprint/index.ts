import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { UI_KIT } from '../../wire/catalog.ts';
import {
  BUILTIN_COMPONENTS,
  UI_COMPONENTS,
  blueprintSchema,
  colorSchema,
  themeSchema,
  type Blueprint,
  type BlueprintNode,
  type DataBinding,
  type Route,
  type Theme,
} from './schema.ts';

export { BUILTIN_COMPONENTS, UI_COMPONENTS, blueprintSchema, colorSchema, themeSchema };
export type { Blueprint, BlueprintNode, DataBinding, Route, Theme };

/** Kit part name -> its props that name a tenant function (e.g. ui.Form's `action`). */
const FUNCTION_PROPS = new Map(UI_KIT.filter((part) => part.functionProps?.length).map((part) => [`ui.${part.name}`, part.functionProps!]));

/** The blueprint of a tenant that has not laid out any page yet. */
export function emptyBlueprint(title: string): Blueprint {
  return { version: 1, title, routes: [] };
}

/** The JSON Schema served at `GET /api/schema/blueprint` (generated from the same zod schema). */
export function blueprintJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(blueprintSchema, { io: 'input' }) as Record<string, unknown>;
}

function formatPath(segments: PropertyKey[]): string {
  return segments.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : `${out}.${String(segment)}`), 'blueprint');
}

/** Parses a blueprint's shape; throws BLUEPRINT_INVALID listing every problem with its JSON path. */
export function parseBlueprint(input: unknown): Blueprint {
  const parsed = blueprintSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({ message: `${formatPath(issue.path)}: ${issue.message}` }));
  throw new TesseraError(
    'BLUEPRINT_INVALID',
    `The blueprint does not match its schema (GET /api/schema/blueprint):\n- ${problems.map((p) => p.message).join('\n- ')}`,
    {
      details: { problems },
    },
  );
}

function visit(node: BlueprintNode, onNode: (node: BlueprintNode) => void): void {
  onNode(node);
  for (const child of node.children ?? []) visit(child, onNode);
}

/** Every component and function a blueprint names. */
export function blueprintReferences(blueprint: Blueprint): { components: Set<string>; functions: Set<string> } {
  const components = new Set<string>();
  const functions = new Set<string>();
  for (const route of blueprint.routes) {
    visit(route.root, (node) => {
      if (!BUILTIN_COMPONENTS.includes(node.component) && !UI_COMPONENTS.includes(node.component)) components.add(node.component);
      for (const binding of Object.values(node.data ?? {})) functions.add(binding.function);
      // A kit form posts to a function: a missing one is caught here, like a data binding's.
      for (const prop of FUNCTION_PROPS.get(node.component) ?? []) {
        const value = node.props?.[prop];
        if (typeof value === 'string' && value) functions.add(value);
      }
    });
  }
  return { components, functions };
}

/**
 * Parses a blueprint and checks that every component and function it names exists, so the app
 * shell never meets a dangling reference. Throws BLUEPRINT_REFERENCE naming the missing ones.
 */
export function validateBlueprint(input: unknown, existing: { components: Iterable<string>; functions: Iterable<string> }): Blueprint {
  const blueprint = parseBlueprint(input);
  const paths = new Set<string>();
  for (const route of blueprint.routes) {
    if (paths.has(route.path)) throw new TesseraError('BLUEPRINT_INVALID', `Route path "${route.path}" appears twice; each route needs its own path.`);
    paths.add(route.path);
  }
  const refs = blueprintReferences(blueprint);
  const components = new Set(existing.components);
  const functions = new Set(existing.functions);
  const missingComponents = [...refs.components].filter((name) => !components.has(name));
  const missingFunctions = [...refs.functions].filter((name) => !functions.has(name));
  if (missingComponents.length > 0 || missingFunctions.length > 0) {
    const parts: string[] = [];
    if (missingComponents.length > 0) {
      parts.push(
        `missing components: ${missingComponents.join(', ')} (create them with createFrontendComponent, or use a built-in: ${BUILTIN_COMPONENTS.join(', ')}, or a UI kit part: ${UI_COMPONENTS.join(', ')})`,
      );
    }
    if (missingFunctions.length > 0) parts.push(`missing functions: ${missingFunctions.join(', ')} (create them with createBackendFunction)`);
    throw new TesseraError('BLUEPRINT_REFERENCE', `The blueprint names things that do not exist: ${parts.join('; ')}. Nothing was changed.`, {
      details: { missingComponents, missingFunctions },
    });
  }
  return blueprint;
}
