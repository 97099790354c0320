/**
 * Roles in a project. Viewers read; editors also run the agent and the tools and change secrets,
 * egress and code; owners also release, deploy, roll back, export and manage members. An admin acts
 * as owner in every project. Each route declares the role it needs (server/policy.ts `requireRole`).
 */
import type { Role } from '../registry/index.ts';

export type { Role } from '../registry/index.ts';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'owner'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function atLeast(role: Role | null, needed: Role): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * A tool call on a project, over HTTP (`POST /api/tenants/:id/tools/:tool`) or by the agent for its
 * user: one declaration, so both check the same role and write the same audit action.
 */
export const TOOL_CALL = {
  role: 'editor' as Role,
  action: (tool: string): string => `tool.${tool}`,
  doing: (tool: string): string => `running the tool ${tool}`,
} as const;

/** What a role may do, in words, for error messages and the builder. */
export const ROLE_ABILITIES: Record<Role, string> = {
  viewer: 'read the project (code, database, logs, releases)',
  editor: 'also run the agent and the tools, and change code, secrets and egress',
  owner: 'also release, deploy, roll back, export and manage members',
};
