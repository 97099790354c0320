import { z } from 'zod';
import { UI_BLUEPRINT_PARTS, UI_BLUEPRINT_PREFIX } from '../../wire/catalog.ts';
import { functionNameSchema } from '../names.ts';
import type { Blueprint as WireBlueprint, DataBinding as WireDataBinding, Route as WireRoute, Theme as WireTheme } from '../../wire/blueprint.ts';

/**
 * The blueprint: server-driven UI that glues routes, layout, components and data together.
 * The core shape (`version`, `title`, `routes[].path/title/root`, node `component/props/children/data`)
 * is a public contract (docs/blueprint.md) and stays valid forever; everything else is an extension.
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

/** Parts of the UI kit `@tessera/ui` a node places directly, by `ui.<Part>` (wire/catalog.ts). */
export const UI_COMPONENTS: readonly string[] = UI_BLUEPRINT_PARTS.map((part) => `${UI_BLUEPRINT_PREFIX}${part}`);

/** A tenant component or built-in (PascalCase), or a kit part (`ui.<Part>`): one rule, so an error names the real problem. */
const nodeComponentSchema = z
  .string()
  .max(64)
  .regex(/^([A-Z][A-Za-z0-9]*|ui\.[A-Za-z]+)$/, 'must be PascalCase, e.g. "NotesApp" (a component or a built-in), or a UI kit part, e.g. "ui.Button"')
  .refine((name) => !name.startsWith(UI_BLUEPRINT_PREFIX) || UI_COMPONENTS.includes(name), {
    message: `is not a part of the UI kit; the kit has ${UI_COMPONENTS.join(', ')}`,
  });

export interface BlueprintNode {
  component: string;
  props?: Record<string, unknown>;
  children?: BlueprintNode[];
  data?: Record<string, DataBinding>;
}

export const nodeSchema: z.ZodType<BlueprintNode> = z.lazy(() =>
  z
    .object({
      component: nodeComponentSchema.describe(
        `A tenant component (PascalCase, made by createFrontendComponent), a built-in one (${builtinNames.join(', ')}) or a part of the UI kit (${UI_COMPONENTS.join(', ')}).`,
      ),
      props: z.record(z.string(), z.unknown()).optional().describe('Static props passed to the component.'),
      children: z.array(nodeSchema).optional().describe("Child nodes, rendered as the component's children."),
      data: z
        .record(z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'must be a valid prop name'), dataBindingSchema)
        .optional()
        .describe('Props filled with the JSON body a tenant function returns.'),
    })
    .strict(),
);

/**
 * Values end up inside the app's stylesheet, so each is checked to be one CSS value of its kind:
 * nothing can close a rule or pull in another origin (`url(...)` is not a colour).
 */
/** Font names, each bare (`system-ui`) or quoted whole (`"Segoe UI"`): no quote is ever left open. */
const FONT_NAME = `(?:"[A-Za-z0-9 -]+"|'[A-Za-z0-9 -]+'|[A-Za-z][A-Za-z0-9 -]*)`;
const FONT_LIST = new RegExp(`^\\s*${FONT_NAME}\\s*(?:,\\s*${FONT_NAME}\\s*)*$`);

export const colorSchema = z
  .string()
  .max(64)
  .regex(
    /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(rgb|rgba|hsl|hsla|hwb|lab|lch|oklab|oklch)\([0-9a-zA-Z.,%\s/+-]*\))$/,
    'must be a CSS colour: "#4f46e5", "rgb(79 70 229)", "oklch(0.55 0.2 270)" or a name like "teal"',
  );

/** The tenant theme: CSS variables every component and the UI kit follow (docs/styling.md). */
export const themeSchema = z
  .object({
    primary: colorSchema.optional().describe('Main action colour (buttons, links, focus): Tailwind `bg-primary`, `text-primary`, CSS `var(--primary)`.'),
    primaryForeground: colorSchema.optional().describe('Text on primary (`text-primary-foreground`).'),
    background: colorSchema.optional().describe('Page background (`bg-background`).'),
    surface: colorSchema.optional().describe('Cards, inputs, dialogs (`bg-surface`).'),
    foreground: colorSchema.optional().describe('Body text (`text-foreground`).'),
    muted: colorSchema.optional().describe('Quiet backgrounds: table headers, hover (`bg-muted`).'),
    mutedForeground: colorSchema.optional().describe('Secondary text (`text-muted-foreground`).'),
    border: colorSchema.optional().describe('Borders (`border-border`).'),
    accent: colorSchema.optional().describe('Highlights: active navigation, selected rows (`bg-accent`).'),
    accentForeground: colorSchema.optional().describe('Text on accent (`text-accent-foreground`).'),
    danger: colorSchema.optional().describe('Errors and destructive actions (`bg-danger`, `text-danger`).'),
    dangerForeground: colorSchema.optional().describe('Text on danger (`text-danger-foreground`).'),
    success: colorSchema.optional().describe('Success messages and badges (`text-success`).'),
    radius: z
      .string()
      .max(16)
      .regex(/^(0|\d{1,3}(\.\d{1,3})?(px|rem|em))$/, 'must be a CSS length like "0.5rem", "8px" or "0"')
      .optional()
      .describe('Corner radius (`rounded-theme`, `var(--radius)`).'),
    font: z
      .string()
      .max(200)
      .regex(FONT_LIST, 'must be a CSS font-family list, e.g. "Inter, system-ui, sans-serif" (names of letters, digits, spaces and hyphens, quoted or not)')
      .optional()
      .describe('Font family list (`font-sans`, `var(--font)`).'),
    // Accepted as loosely as before the theme grew, so no stored blueprint stops loading; the
    // stylesheet uses it only when it is a colour by the rule above.
    primaryColor: z.string().max(64).optional().describe('Older name of `primary`; `primary` wins when both are given.'),
  })
  .strict()
  .describe('The app theme: colours, radius and font, as CSS variables and Tailwind tokens. Every key is optional.');

export type Theme = z.infer<typeof themeSchema>;

export const routeSchema = z
  .object({
    path: z
      .string()
      .regex(
        /^\/([A-Za-z0-9._~-]+|:[A-Za-z][A-Za-z0-9_]*)?(\/([A-Za-z0-9._~-]+|:[A-Za-z][A-Za-z0-9_]*))*$/,
        'must start with "/" and contain plain segments or ":param" segments, e.g. "/notes/:id"',
      )
      .describe('URL path; ":name" segments are route parameters.'),
    title: z.string().max(200).optional().describe('Page title.'),
    access: z
      .enum(['public', 'user', 'admin'])
      .optional()
      .describe(
        'Who may see the page: "public" (default), "user" (signed-in app users; visitors get the sign-in page, then this page) or "admin" (app users with the role admin). Only the page: protect its data with the functions\' access.',
      ),
    root: nodeSchema,
  })
  .strict();

export const blueprintSchema = z
  .object({
    version: z.literal(1).describe('Blueprint format version; always 1.'),
    title: z.string().max(200).optional().describe('App title.'),
    routes: z.array(routeSchema).max(200).describe('Routes, matched in order.'),
    theme: themeSchema.optional(),
  })
  .strict();

export type Blueprint = z.infer<typeof blueprintSchema>;
export type Route = z.infer<typeof routeSchema>;

// The shell reads the blueprint through wire/blueprint.ts (web/ imports nothing from src/): these
// lines stop compiling if the schema and those types drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireTypesMatch: [Same<Blueprint, WireBlueprint>, Same<Route, WireRoute>, Same<DataBinding, WireDataBinding>, Same<Theme, WireTheme>] = [
  true,
  true,
  true,
  true,
];
void wireTypesMatch;
