import { z } from 'zod';
import { componentNameSchema, functionNameSchema } from '../names.ts';

/**
 * The blueprint: server-driven UI that glues routes, layout, components and data together.
 * The core shape (`version`, `title`, `routes[].path/title/root`, node `component/props/children/data`)
 * is a public contract (DESIGN.md) and stays valid forever; everything else is an extension.
 */

/** A data binding: the JSON a tenant function returns, passed to the component as one prop. */
export const dataBindingSchema = z
  .object({
    function: functionNameSchema.describe('Name of a tenant function (createBackendFunction), called at /api/<function>.'),
    method: z.enum(['GET', 'POST']).optional().describe('HTTP method; GET by default.'),
    query: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Query parameters. A string value ":name" is replaced by the route parameter of that name.'),
  })
  .strict();

export type DataBinding = z.infer<typeof dataBindingSchema>;

const builtinNames = ['Stack', 'Row', 'Heading', 'Text', 'Link', 'Container', 'Card'] as const;
/** Layout primitives the shell provides; tenant components may not reuse these names. */
export const BUILTIN_COMPONENTS: readonly string[] = builtinNames;

export interface BlueprintNode {
  component: string;
  props?: Record<string, unknown>;
  children?: BlueprintNode[];
  data?: Record<string, DataBinding>;
}

export const nodeSchema: z.ZodType<BlueprintNode> = z.lazy(() =>
  z
    .object({
      component: componentNameSchema.describe(`A tenant component (PascalCase, made by createFrontendComponent) or a built-in one: ${builtinNames.join(', ')}.`),
      props: z.record(z.string(), z.unknown()).optional().describe('Static props passed to the component.'),
      children: z.array(nodeSchema).optional().describe('Child nodes, rendered as the component\'s children.'),
      data: z
        .record(z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'must be a valid prop name'), dataBindingSchema)
        .optional()
        .describe('Props filled with the JSON body a tenant function returns.'),
    })
    .strict(),
);

export const routeSchema = z
  .object({
    path: z
      .string()
      .regex(/^\/([A-Za-z0-9._~-]+|:[A-Za-z][A-Za-z0-9_]*)?(\/([A-Za-z0-9._~-]+|:[A-Za-z][A-Za-z0-9_]*))*$/, 'must start with "/" and contain plain segments or ":param" segments, e.g. "/notes/:id"')
      .describe('URL path; ":name" segments are route parameters.'),
    title: z.string().max(200).optional().describe('Page title.'),
    root: nodeSchema,
  })
  .strict();

export const blueprintSchema = z
  .object({
    version: z.literal(1).describe('Blueprint format version; always 1.'),
    title: z.string().max(200).optional().describe('App title.'),
    routes: z.array(routeSchema).max(200).describe('Routes, matched in order.'),
    theme: z.object({ primaryColor: z.string().max(64).optional() }).strict().optional(),
  })
  .strict();

export type Blueprint = z.infer<typeof blueprintSchema>;
export type Route = z.infer<typeof routeSchema>;
