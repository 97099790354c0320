import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { functionNameSchema } from '../names.ts';
import type { FunctionRequest, SandboxUser } from '../runtime/index.ts';
import type { FunctionAccess } from '../tenants/index.ts';
import { defineTool } from './tool.ts';

/** Tools that let the model look before it writes. None of them changes the app. */

export const listArtifacts = defineTool({
  name: 'listArtifacts',
  description: "List what the app is made of now: components, functions, routes, database tables (with columns) and the repository's latest commit.",
  parameters: z.object({}).strict(),
  readOnly: true,
  async run(_args, { tenant }) {
    const tables = await tenant.draftDb.describe();
    return {
      ...tenant.summary(),
      tables: tables.map((t) => ({
        name: t.name,
        type: t.type,
        columns: t.columns.map((c) => `${c.name} ${c.type}${c.primaryKey ? ' PRIMARY KEY' : ''}${c.notNull ? ' NOT NULL' : ''}`),
        rows: t.rowCount,
      })),
      files: await tenant.workspace.list(''),
    };
  },
});

export const readFile = defineTool({
  name: 'readFile',
  description:
    'Read a file of the app\'s repository, e.g. "frontend/NotesApp.tsx", "functions/list-notes.js", "blueprint.json" or "migrations/0001_create_table_notes.sql".',
  parameters: z.object({ path: z.string().min(1).max(255).describe('Repository-relative path.') }).strict(),
  readOnly: true,
  async run({ path }, { tenant }) {
    const content = await tenant.workspace.read(path);
    if (content === null) throw new TesseraError('NOT_FOUND', `No file "${path}". Files: ${(await tenant.workspace.list('')).join(', ')}.`);
    return { path, content };
  },
});

export const describeDatabase = defineTool({
  name: 'describeDatabase',
  description: "Describe the app's SQLite database: every table and view with its columns, its CREATE statement and its row count, and the migration number.",
  parameters: z.object({}).strict(),
  readOnly: true,
  async run(_args, { tenant }) {
    return { migration: tenant.state.migrationVersion, tables: await tenant.draftDb.describe() };
  },
});

export const queryDatabase = defineTool({
  name: 'queryDatabase',
  description: "Run one read-only SQL query (SELECT / WITH / EXPLAIN) on the app's database and see up to 50 rows.",
  parameters: z
    .object({
      sql: z.string().min(1).max(20_000).describe('One read-only statement.'),
      params: z
        .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
        .max(100)
        .optional()
        .describe('Values for ? placeholders.'),
    })
    .strict(),
  readOnly: true,
  async run({ sql, params }, { tenant }) {
    return tenant.draftDb.readOnlyQuery(sql, params ?? [], { limit: 50 });
  },
});

export const sampleRequestSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional().describe('GET by default.'),
    path: z.string().max(500).optional().describe('Sub-path after /api/<name>, default "/".'),
    query: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional().describe('JSON body.'),
  })
  .strict();

export type SampleRequest = z.infer<typeof sampleRequestSchema>;

/**
 * Who a sample call runs as: nobody for a public function; for one that needs a signed-in user, a
 * stand-in (the agent has no session of the app), so that `auth.user(context)` is not null there.
 */
export function sampleUserFor(access: FunctionAccess): SandboxUser | null {
  if (access === 'public') return null;
  return { id: 'sample-user', email: 'sample-user@example.invalid', name: 'Sample user', role: access };
}

/** Turns a sample request into what the runtime takes (run as `sampleUserFor` the function's access). */
export function toFunctionRequest(sample: SampleRequest, access: FunctionAccess = 'public'): FunctionRequest {
  const query = new URLSearchParams(sample.query ?? {}).toString();
  const path = sample.path?.startsWith('/') ? sample.path : `/${sample.path ?? ''}`;
  const hasBody = sample.body !== undefined;
  return {
    method: sample.method ?? (hasBody ? 'POST' : 'GET'),
    url: `${path}${query ? `?${query}` : ''}`,
    headers: hasBody ? { 'content-type': 'application/json' } : {},
    body: hasBody ? Buffer.from(JSON.stringify(sample.body)) : Buffer.alloc(0),
    user: sampleUserFor(access),
    // The agent works on the draft: its sample calls write the draft's data, never live data.
    database: 'draft',
  };
}

const MAX_BODY_SHOWN = 4000;

export const invokeFunction = defineTool({
  name: 'invokeFunction',
  description:
    'Call one of the app\'s functions with a sample request, as the app would (fetch("/api/<name>")), and see the status, headers, body and the function\'s logs. Note that calls run for real: a POST that inserts a row inserts it. A function with access "user" or "admin" runs as a stand-in signed-in user (id "sample-user").',
  parameters: z.object({ name: functionNameSchema, request: sampleRequestSchema.optional() }).strict(),
  readOnly: true,
  async run({ name, request }, { tenant, runtime }) {
    const fn = tenant.state.functions.get(name);
    if (!fn) throw new TesseraError('NOT_FOUND', `No function "${name}". Functions: ${[...tenant.state.functions.keys()].join(', ') || '(none)'}.`);
    const result = await runtime.invoke(tenant.id, { name, code: fn.code, hash: fn.hash }, toFunctionRequest(request ?? {}, fn.access));
    const text = result.response.body.toString('utf8');
    return {
      status: result.response.status,
      headers: result.response.headers,
      body: text.length > MAX_BODY_SHOWN ? `${text.slice(0, MAX_BODY_SHOWN)}… (${text.length} characters)` : text,
      logs: result.logs.map((line) => `${line.level}: ${line.message}`),
      ms: Math.round(result.durationMs),
    };
  },
});
