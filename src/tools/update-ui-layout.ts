import { z } from 'zod';
import { validateBlueprint } from '../blueprint/index.ts';
import { BLUEPRINT_FILE } from '../tenants/index.ts';
import { defineTool } from './tool.ts';

export const updateUILayout = defineTool({
  name: 'updateUILayout',
  description:
    'Replace the whole UI blueprint: the routes of the app and, per route, a tree of nodes. A node is { component, props?, children?, data? }; `component` is a component made with createFrontendComponent, a built-in (Stack, Row, Heading, Text, Link, Container, Card) or a UI kit part "ui.<Part>" (ui.AppLayout, ui.Button, ui.Form, ui.Table, ui.Card, ...; the `action` prop of ui.Form names the function it posts to); `data` maps a prop name to { function: "<name>", method?: "GET", query?: {...} } and the shell passes the JSON that function returns as that prop. Example: {"version":1,"title":"Notes","routes":[{"path":"/","title":"Home","root":{"component":"NotesApp","data":{"notes":{"function":"list-notes"}}}}]}. An optional `theme` sets colours, radius and font: {"primary":"#0f766e","radius":"0.75rem"}. Every component and function named must already exist. The JSON Schema is served at GET /api/schema/blueprint.',
  parameters: z.object({ blueprint: z.record(z.string(), z.unknown()).describe('The whole blueprint object: { version: 1, title, routes: [...] }.') }).strict(),
  async run({ blueprint }, { tenant, styles }) {
    const valid = validateBlueprint(blueprint, { components: tenant.state.components.keys(), functions: tenant.state.functions.keys() });
    // A new theme is a new stylesheet: built before the commit, so a failure changes nothing.
    const stylesheet = await styles.build(tenant.id, { components: tenant.state.components.values(), theme: valid.theme });
    const routes = valid.routes.map((route) => route.path);
    const commit = await tenant.workspace.commit(
      [{ path: BLUEPRINT_FILE, content: `${JSON.stringify(valid, null, 2)}\n` }],
      `Update UI layout: ${routes.length} route${routes.length === 1 ? '' : 's'}${routes.length ? ` (${routes.slice(0, 5).join(', ')})` : ''}`,
    );
    tenant.state.blueprint = valid;
    tenant.state.head = commit;
    return { routes, commit, stylesheet: `/_tessera/assets/${stylesheet.fileName}` };
  },
});
