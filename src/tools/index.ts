import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { TenantManager } from '../tenants/index.ts';
import { checkApp } from './check-app.ts';
import { createBackendFunction } from './create-backend-function.ts';
import { createFrontendComponent } from './create-frontend-component.ts';
import type { Tool, ToolContext } from './tool.ts';
import { updateDatabaseSchema } from './update-database-schema.ts';
import { updateUILayout } from './update-ui-layout.ts';
import { describeDatabase, invokeFunction, listArtifacts, queryDatabase, readFile } from './read-tools.ts';
import { listSecrets, proposeEgress, requestSecret } from './outside-world.ts';

export type { Tool, ToolContext } from './tool.ts';
export { migrationSlug } from './update-database-schema.ts';
export { commitDetail, revertCommit, type CommitDetail } from './history.ts';

/** The tools every model sees: their names and parameters are a public contract (docs/agent.md). */
export const TOOLS: readonly Tool[] = [updateDatabaseSchema, createBackendFunction, createFrontendComponent, updateUILayout] as Tool[];

/** Read-only helpers: the model looks before it writes. */
export const READ_TOOLS: readonly Tool[] = [listArtifacts, readFile, describeDatabase, queryDatabase, invokeFunction, listSecrets, checkApp] as Tool[];

/** Asking people for what the model may not do itself: a secret's value, a host to call. */
export const REQUEST_TOOLS: readonly Tool[] = [requestSecret, proposeEgress] as Tool[];

/** Everything callable through `POST /api/tenants/:id/tools/:tool` and by the agent. */
export const ALL_TOOLS: readonly Tool[] = [...TOOLS, ...READ_TOOLS, ...REQUEST_TOOLS];

export function findTool(name: string): Tool {
  const tool = ALL_TOOLS.find((t) => t.name === name);
  if (!tool) throw new TesseraError('UNKNOWN_TOOL', `Unknown tool "${name}". Available tools: ${ALL_TOOLS.map((t) => t.name).join(', ')}.`);
  return tool;
}

export interface ToolDescription {
  name: string;
  description: string;
  readOnly: boolean;
  parameters: Record<string, unknown>;
}

/** Name, description and JSON Schema of each tool, generated from the schemas the tools validate with. */
export function describeTools(): ToolDescription[] {
  return ALL_TOOLS.map((tool) => ({
    name: tool.name,
    description: tool.description,
    readOnly: Boolean(tool.readOnly),
    parameters: z.toJSONSchema(tool.parameters, { io: 'input' }) as Record<string, unknown>,
  }));
}

/** Turns a zod failure into one model-readable line per problem. */
function argumentError(tool: Tool, error: z.ZodError): TesseraError {
  const problems = error.issues.map((issue) => ({ message: `${issue.path.length ? issue.path.join('.') : '(arguments)'}: ${issue.message}` }));
  return new TesseraError('INVALID_ARGUMENTS', `${tool.name}: invalid arguments:\n- ${problems.map((p) => p.message).join('\n- ')}`, { details: { problems } });
}

/**
 * Runs one tool call for a tenant: validates the arguments against the tool's schema, then runs
 * the tool under the tenant's write lock. Throws a TesseraError; on error nothing has changed.
 */
export async function runTool(
  deps: Omit<ToolContext, 'tenant'> & { tenants: TenantManager },
  tenantId: string,
  toolName: string,
  rawArgs: unknown,
  /** The caller's logger (an HTTP request's or an agent run's, bound to its id); the platform's otherwise. */
  callerLogger: Logger = deps.logger,
): Promise<unknown> {
  const tool = findTool(toolName);
  await deps.tenants.get(tenantId);
  const parsed = tool.parameters.safeParse(rawArgs);
  if (!parsed.success) throw argumentError(tool, parsed.error);
  const logger = callerLogger.child({ tenant: tenantId, tool: tool.name });
  return deps.tenants.withLock(tenantId, async (tenant) => {
    const started = performance.now();
    try {
      const result = await tool.run(parsed.data, {
        tenant,
        runtime: deps.runtime,
        registry: deps.registry,
        logger,
        packages: deps.packages,
        styles: deps.styles,
        appCheck: deps.appCheck,
      });
      logger.info({ ms: Math.round(performance.now() - started) }, 'tool applied');
      return result;
    } catch (err) {
      const ms = Math.round(performance.now() - started);
      // The tool said no (its code and message go back to the caller) or the system failed: an error with its cause.
      if (err instanceof TesseraError && err.status < 500) logger.info({ ms, code: err.code, message: err.message }, 'tool refused');
      else logger.error({ ms, err, code: err instanceof TesseraError ? err.code : 'INTERNAL' }, 'tool failed');
      throw err;
    }
  });
}
