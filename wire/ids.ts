/**
 * Identifier rules both sides need: the server checks them (src/names.ts builds its zod schemas on
 * these patterns) and the builder checks a new project's id before sending it.
 */

/** A tenant (project) id is a DNS label: it becomes the host name `<id>.localhost`. */
export const TENANT_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const TENANT_ID_RULE = 'must be a DNS label: 1-63 characters, lowercase letters, digits and hyphens, not starting or ending with a hyphen';

/** A tenant function's name, lower-kebab-case: served at `/api/<name>`. */
export const FUNCTION_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A tenant component's name, PascalCase: the file `frontend/<Name>.tsx`. */
export const COMPONENT_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** A project member's role. */
export type Role = 'owner' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'owner'];
