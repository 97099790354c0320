import { z } from 'zod';
import { buildFunction, buildPackageAssets } from '../bundler/index.ts';
import { functionNameSchema } from '../names.ts';
import { FUNCTION_ACCESS, FUNCTIONS_DIR, functionManifestPath, functionManifestText } from '../tenants/index.ts';
import type { FileChange } from '../workspace/index.ts';
import { sampleRequestSchema, toFunctionRequest } from './read-tools.ts';
import { dependenciesSchema, packagesFor, pinnedVersions, rebuildFunctions } from './packages.ts';
import { applyEdits, codeOrEdits, editsSchema } from './edits.ts';
import { defineTool } from './tool.ts';
import { TesseraError } from '../errors.ts';

export const createBackendFunction = defineTool({
  name: 'createBackendFunction',
  description:
    "Create or replace a backend function, served at /api/<name> on the app's origin (any HTTP method). `code` is a Node.js module in Fission's contract: `module.exports = async function (context) { return { status: 200, body: {...} } }` (or `export default async function`). `context.request` has method, url, headers, query and the parsed body. Database: `const db = require('@tessera/db')`; `await db.query(sql, params)` returns rows, `await db.execute(sql, params)` returns { changes, lastInsertRowid }; always bind parameters (?), never splice values into SQL. The function is compiled and loaded before it is accepted. npm packages can be imported or required by bare name (e.g. `const { z } = require('zod')`): each is installed at its newest version (or the range in `dependencies`), pinned in the app's package.json and package-lock.json, and bundled into the function's single file; install scripts never run, so packages needing a native build cannot be used. Per-user data: give `access: \"user\"` (only signed-in users of the app may call it; anonymous callers get 401) and scope rows by `(await require('@tessera/auth').user(context)).id`; `access: \"admin\"` is for the app's admins only. Mail: `await require('@tessera/email').send({ to, subject, text, html })` returns { id }; sent by the app's SMTP server (secrets SMTP_URL, EMAIL_FROM; host on the egress allowlist), otherwise kept in the app's outbox for its owner.",
  parameters: z
    .object({
      name: functionNameSchema.describe('lower-kebab-case, e.g. "list-notes"; the function is served at /api/<name>.'),
      code: z.string().min(1, 'must not be empty').max(500_000).optional().describe('JavaScript or TypeScript module source (or `edits`).'),
      edits: editsSchema,
      sample: sampleRequestSchema
        .optional()
        .describe(
          'Optional smoke test: a request to send to the new code before it is accepted; a 5xx answer refuses it. The call runs for real; with access "user" or "admin", as a stand-in signed-in user (id "sample-user").',
        ),
      dependencies: dependenciesSchema,
      access: z
        .enum(FUNCTION_ACCESS)
        .optional()
        .describe(
          'Who may call it: "public" (anyone), "user" (a signed-in user of the app, else 401 SIGN_IN_REQUIRED) or "admin" (an admin of the app, else 403 FORBIDDEN); checked by the platform before the function runs. Default: the function\'s current access, "public" for a new one.',
        ),
    })
    .strict()
    .superRefine(codeOrEdits),
  async run({ name, code: whole, edits, sample, dependencies, access: asked }, context) {
    const { tenant, runtime, registry } = context;
    const existing = tenant.state.functions.get(name)?.sourceFile ?? `${FUNCTIONS_DIR}/${name}.js`;
    const code = whole ?? applyEdits(existing, await tenant.workspace.read(existing), edits ?? []);
    const scanned = await buildFunction({ name, code }, null, { scan: true, tenant: tenant.id });
    const { packages, changes: packageChanges } = await packagesFor(context, { kind: 'function', name, packages: scanned.packages ?? [] }, dependencies);
    const built = packages ? await buildFunction({ name, code }, packages, { tenant: tenant.id }) : scanned;
    const source = { name, code: built.code, hash: built.hash };
    await runtime.check(tenant.id, source);
    // Replacing the code keeps who may call it: a rewrite that forgot `access` must not open it to everyone.
    const access = asked ?? tenant.state.functions.get(name)?.access ?? 'public';
    let sampleResult: { status: number; body: string; logs: string[] } | undefined;
    if (sample) {
      const invoked = await runtime.invoke(tenant.id, source, toFunctionRequest(sample, access));
      const body = invoked.response.body.toString('utf8').slice(0, 2000);
      const logs = invoked.logs.map((line) => `${line.level}: ${line.message}`);
      sampleResult = { status: invoked.response.status, body, logs };
      if (invoked.response.status >= 500) {
        throw new TesseraError(
          'FUNCTION_INVALID',
          `The sample ${toFunctionRequest(sample).method} request to ${name} answered ${invoked.response.status}: ${body}${logs.length ? `\nLogs:\n${logs.join('\n')}` : ''}\nThe function was not saved.`,
          { details: { sample: sampleResult } },
        );
      }
    }
    const previous = tenant.state.functions.get(name);
    const changes: FileChange[] = [{ path: built.sourceFile, content: code }, ...packageChanges];
    if (access !== (previous?.access ?? 'public')) changes.push({ path: functionManifestPath(name), content: functionManifestText(access) });
    // Switching between .js and .ts must not leave the old file behind.
    if (previous && previous.sourceFile !== built.sourceFile) changes.push({ path: previous.sourceFile, content: null });
    // Other functions bundle their packages too: a lockfile change rebuilds them against it.
    const functions = packageChanges.length ? await rebuildFunctions(tenant, packages, name) : new Map(tenant.state.functions);
    functions.set(name, { ...built, access });
    const packageAssets = packageChanges.length
      ? await buildPackageAssets(tenant.state.components.values(), packages, { tenant: tenant.id })
      : tenant.state.packageAssets;
    const commit = await tenant.workspace.commit(changes, `${previous ? 'Update' : 'Add'} function ${name}`);
    tenant.state = { ...tenant.state, functions, packages, packageAssets, head: commit };
    const version = await registry.recordArtifact(tenant.id, 'function', {
      name,
      commit,
      digest: built.hash,
      location: built.sourceFile,
      size: Buffer.byteLength(built.code),
    });
    return {
      name,
      version,
      file: built.sourceFile,
      url: `/api/${name}`,
      access,
      hash: built.hash,
      replaced: Boolean(previous),
      commit,
      directory: FUNCTIONS_DIR,
      packages: pinnedVersions(packages, built.packages ?? []),
      ...(sampleResult ? { sample: sampleResult } : {}),
    };
  },
});
