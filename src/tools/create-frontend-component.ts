import { z } from 'zod';
import { BUILTIN_COMPONENTS, type BlueprintNode } from '../blueprint/index.ts';
import { buildComponent, buildComponentForServer, buildPackageAssets } from '../bundler/index.ts';
import { TesseraError } from '../errors.ts';
import { componentNameSchema } from '../names.ts';
import type { FunctionRuntime } from '../runtime/index.ts';
import { FRONTEND_DIR, type Tenant } from '../tenants/index.ts';
import { toFunctionRequest } from './read-tools.ts';
import { dependenciesSchema, packagesFor, pinnedVersions, rebuildFunctions } from './packages.ts';
import { applyEdits, codeOrEdits, editsSchema } from './edits.ts';
import { defineTool } from './tool.ts';

function findNode(nodes: BlueprintNode[], name: string): BlueprintNode | null {
  for (const node of nodes) {
    if (node.component === name) return node;
    const inner = findNode(node.children ?? [], name);
    if (inner) return inner;
  }
  return null;
}

/**
 * The props the component will meet in the app, when the blueprint already places it: its static
 * props plus the JSON its data bindings' functions return now (GET calls, as the shell makes them).
 */
async function blueprintProps(tenant: Tenant, runtime: FunctionRuntime, name: string): Promise<Record<string, unknown> | null> {
  const node = findNode(
    tenant.state.blueprint.routes.map((r) => r.root),
    name,
  );
  if (!node) return null;
  const props: Record<string, unknown> = { ...node.props };
  for (const [prop, binding] of Object.entries(node.data ?? {})) {
    const fn = tenant.state.functions.get(binding.function);
    if (!fn) continue;
    const query = Object.fromEntries(Object.entries(binding.query ?? {}).map(([k, v]) => [k, String(v)]));
    const result = await runtime.invoke(
      tenant.id,
      { name: fn.name, code: fn.code, hash: fn.hash },
      toFunctionRequest({ method: binding.method ?? 'GET', query }, fn.access),
    );
    try {
      props[prop] = JSON.parse(result.response.body.toString('utf8'));
    } catch {
      props[prop] = result.response.body.toString('utf8');
    }
  }
  return props;
}

export const createFrontendComponent = defineTool({
  name: 'createFrontendComponent',
  description:
    "Create or replace a React component (TSX) of the app. `code` must `export default` a React function component; import React hooks from 'react' and UI building blocks from '@tessera/ui' (Button, Input, Form, Table, Card, ...); style with Tailwind CSS classes (theme tokens: bg-primary, text-muted-foreground, rounded-theme, ...). npm packages can be imported by bare name (`import { format } from 'date-fns'`); each is installed at its newest version (or the range in `dependencies`), pinned in the app's package.json and package-lock.json, and served to the browser once per app (packages that need Node built-ins or a native build cannot be used). It is compiled to a standalone ES module and rendered by the app shell wherever the blueprint names it. Props: the blueprint node's `props`, one prop per `data` binding (the JSON its function returned), `children`, and `tessera` = { params, navigate(path), reload() } where reload() refetches the node's data bindings (call it after a fetch('/api/<fn>', {method:'POST'}) that changed data). Before it is accepted it is rendered once on the server with `sampleProps` (or the props the blueprint gives it).",
  parameters: z
    .object({
      name: componentNameSchema.describe('PascalCase, e.g. "NotesApp"; stored as frontend/<name>.tsx.'),
      code: z.string().min(1, 'must not be empty').max(500_000).optional().describe('TSX module source with a default-exported React component (or `edits`).'),
      edits: editsSchema,
      sampleProps: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('Props to render the component with once on the server before accepting it, e.g. {"notes": [{"id": 1, "text": "Hi"}]}.'),
      dependencies: dependenciesSchema,
    })
    .strict()
    .superRefine(codeOrEdits),
  async run({ name, code: whole, edits, sampleProps, dependencies }, context) {
    const { tenant, runtime, registry, styles } = context;
    const code = whole ?? applyEdits(`${FRONTEND_DIR}/${name}.tsx`, await tenant.workspace.read(`${FRONTEND_DIR}/${name}.tsx`), edits ?? []);
    if (BUILTIN_COMPONENTS.includes(name)) {
      throw new TesseraError('INVALID_NAME', `"${name}" is a built-in component (${BUILTIN_COMPONENTS.join(', ')}); choose another name.`);
    }
    const built = await buildComponent({ name, code }, { tenant: tenant.id });
    const { packages, changes: packageChanges } = await packagesFor(context, { kind: 'component', name, packages: built.packages ?? [] }, dependencies);
    const components = new Map(tenant.state.components).set(name, built);
    // Every package of the app, as the browser will get it: a package whose browser build cannot be made is refused here.
    const packageAssets = await buildPackageAssets(components.values(), packages, { tenant: tenant.id });
    const functions = packageChanges.length ? await rebuildFunctions(tenant, packages) : tenant.state.functions;
    const known = sampleProps ?? (await blueprintProps(tenant, runtime, name));
    let verification: { rendered: boolean; props: 'sample' | 'blueprint' | 'none'; warning?: string };
    try {
      await runtime.render(tenant.id, { name, code: await buildComponentForServer({ name, code }, packages, { tenant: tenant.id }) }, known ?? {});
      verification = { rendered: true, props: sampleProps ? 'sample' : known ? 'blueprint' : 'none' };
    } catch (err) {
      if (!(err instanceof TesseraError) || err.code !== 'RENDER_FAILED') throw err;
      const message = `frontend/${name}.tsx threw while rendering with ${known ? 'these props' : 'no props'}: ${err.message.split('\n').slice(0, 4).join('\n')}`;
      // Without known props a throw may only mean "this prop is required": accept, but say so.
      if (known)
        throw new TesseraError('RENDER_FAILED', `${message}\nFix the component (or its sampleProps). Nothing was saved.`, {
          details: { file: `frontend/${name}.tsx` },
        });
      verification = { rendered: false, props: 'none', warning: `${message}\nIf it needs props, give them defaults or pass sampleProps to check it.` };
    }
    const previous = tenant.state.components.get(name);
    // Before the commit, so a failure leaves nothing changed; the compiled instance makes it a few ms.
    const next = new Map(tenant.state.components).set(name, built);
    const stylesheet = await styles.build(tenant.id, { components: next.values(), theme: tenant.state.blueprint.theme });
    const file = `${FRONTEND_DIR}/${name}.tsx`;
    const commit = await tenant.workspace.commit([{ path: file, content: code }, ...packageChanges], `${previous ? 'Update' : 'Add'} component ${name}`);
    tenant.state = { ...tenant.state, components, functions, packages, packageAssets, head: commit };
    const version = await registry.recordArtifact(tenant.id, 'component', { name, commit, digest: built.hash, location: built.fileName, size: built.bytes });
    return {
      name,
      version,
      file,
      bundle: `/_tessera/mfe/${built.fileName}`,
      hash: built.hash,
      bytes: built.bytes,
      replaced: Boolean(previous),
      commit,
      verification,
      packages: pinnedVersions(packages, built.packages ?? []),
      stylesheet: `/_tessera/assets/${stylesheet.fileName}`,
    };
  },
});
