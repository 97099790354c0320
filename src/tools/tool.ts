import type { z } from 'zod';
import type { AppChecker } from '../appcheck/index.ts';
import type { Logger } from '../log.ts';
import type { PackageManager } from '../packages/index.ts';
import type { BuildStore, EgressRuleStore, SealedSecretStore } from '../registry/index.ts';
import type { FunctionRuntime } from '../runtime/index.ts';
import type { StyleBuilder } from '../styles/index.ts';
import type { Tenant } from '../tenants/index.ts';

/** What a tool gets besides its arguments. The caller holds the tenant's write lock. */
export interface ToolContext {
  tenant: Tenant;
  runtime: FunctionRuntime;
  /** Every accepted build is recorded here (as that artifact's next version); secrets and egress rules the model asks for too. */
  registry: BuildStore & SealedSecretStore & EgressRuleStore;
  logger: Logger;
  /** npm packages for tenant code: resolved, stored, pinned in the app's lockfile. */
  packages: PackageManager;
  /** Rebuilds the app's stylesheet when components or the theme change. */
  styles: StyleBuilder;
  /** Opens the app's draft in a browser and visits its routes (the checkApp tool). */
  appCheck: AppChecker;
}

/**
 * A tool the agent (or a script, through `POST /api/tenants/:id/tools/:tool`) can call. `parameters`
 * is the single source of truth: the server validates with it and the model sees its JSON Schema.
 * `run` validates deeper, applies and commits atomically: when it throws, nothing changed.
 */
export interface Tool<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  parameters: Schema;
  /** Read-only tools look without changing anything; they never commit. */
  readOnly?: boolean;
  run(args: z.infer<Schema>, context: ToolContext): Promise<unknown>;
}

/** Keeps each tool's argument type tied to its schema. */
export function defineTool<Schema extends z.ZodType>(tool: Tool<Schema>): Tool<Schema> {
  return tool;
}
