import { z } from 'zod';

/**
 * Naming rules shared by the API, the tools and the bundler. Each is a zod schema, so the same
 * rule produces the JSON Schema the model sees and the check the server runs.
 */

/** A DNS label: it becomes the host name `<id>.localhost`. */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label: 1-63 characters, lowercase letters, digits and hyphens, not starting or ending with a hyphen');

/** lower-kebab-case: served at `/api/<name>`. */
export const functionNameSchema = z
  .string()
  .max(63)
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be lower-kebab-case, e.g. "list-notes" (letters, digits, single hyphens, starting with a letter)');

/** PascalCase: the file `frontend/<Name>.tsx`, referenced from the blueprint. */
export const componentNameSchema = z
  .string()
  .max(64)
  .regex(/^[A-Z][A-Za-z0-9]*$/, 'must be PascalCase, e.g. "NotesApp" (a capital letter, then letters and digits)');
