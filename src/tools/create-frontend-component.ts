import { z } from 'zod';
import { BUILTIN_COMPONENTS } from '../blueprint/index.ts';
import { buildComponent } from '../bundler/index.ts';
import { TesseraError } from '../errors.ts';
import { componentNameSchema } from '../names.ts';
import { FRONTEND_DIR } from '../tenants/index.ts';
import { defineTool } from './tool.ts';

export const createFrontendComponent = defineTool({
  name: 'createFrontendComponent',
  description:
    "Create or replace a React component (TSX) of the app. `code` must `export default` a React function component; import React hooks from 'react'. It is compiled to a standalone ES module and rendered by the app shell wherever the blueprint names it. Props: the blueprint node's `props`, one prop per `data` binding (the JSON its function returned), `children`, and `tessera` = { params, navigate(path), reload() } where reload() refetches the node's data bindings (call it after a fetch('/api/<fn>', {method:'POST'}) that changed data).",
  parameters: z
    .object({
      name: componentNameSchema.describe('PascalCase, e.g. "NotesApp"; stored as frontend/<name>.tsx.'),
      code: z.string().min(1, 'must not be empty').max(500_000).describe('TSX module source with a default-exported React component.'),
    })
    .strict(),
  async run({ name, code }, { tenant }) {
    if (BUILTIN_COMPONENTS.includes(name)) {
      throw new TesseraError('INVALID_NAME', `"${name}" is a built-in component (${BUILTIN_COMPONENTS.join(', ')}); choose another name.`);
    }
    const built = await buildComponent({ name, code });
    const previous = tenant.state.components.get(name);
    const file = `${FRONTEND_DIR}/${name}.tsx`;
    const commit = await tenant.workspace.commit([{ path: file, content: code }], `${previous ? 'Update' : 'Add'} component ${name}`);
    tenant.state.components.set(name, built);
    tenant.state.head = commit;
    return { name, file, bundle: `/_tessera/mfe/${built.fileName}`, hash: built.hash, bytes: built.bytes, replaced: Boolean(previous), commit };
  },
});
