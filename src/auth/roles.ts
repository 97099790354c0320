/**
 * Roles in a project, and what each route needs. Viewers read; editors also run the agent and the
 * tools and change secrets, egress and code; owners also release, deploy, roll back, export and manage
 * members. An admin acts as owner in every project. Anything not listed as a read needs at least
 * editor: a new route is closed to viewers until it is said to be a read.
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

/** Routes under `/api/tenants/:id` that need owner (the rest of the path, after the id). */
const OWNER_ROUTES: ReadonlyArray<[method: string, path: RegExp]> = [
  ['DELETE', /^$/],
  ['POST', /^\/releases$/],
  ['POST', /^\/releases\/[^/]+\/deploy$/],
  ['POST', /^\/releases\/[^/]+\/export\/fission$/],
  ['PUT', /^\/members\/[^/]+$/],
  ['DELETE', /^\/members\/[^/]+$/],
  ['GET', /^\/audit$/],
];

/** The role a request to `/api/tenants/:id<rest>` needs. */
export function requiredRole(method: string, rest: string): Role {
  if (OWNER_ROUTES.some(([m, path]) => m === method && path.test(rest))) return 'owner';
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'editor';
}

/** What a role may do, in words, for error messages and the builder. */
export const ROLE_ABILITIES: Record<Role, string> = {
  viewer: 'read the project (code, database, logs, releases)',
  editor: 'also run the agent and the tools, and change code, secrets and egress',
  owner: 'also release, deploy, roll back, export and manage members',
};
