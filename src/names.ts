import { z } from 'zod';
import { COMPONENT_NAME, FUNCTION_NAME, TENANT_ID, TENANT_ID_RULE } from '../wire/ids.ts';

/**
 * Naming rules shared by the API, the tools and the bundler. Each is a zod schema, so the same
 * rule produces the JSON Schema the model sees and the check the server runs.
 */

/** A DNS label: it becomes the host name `<id>.localhost`. */
export const tenantIdSchema = z.string().regex(TENANT_ID, TENANT_ID_RULE);

/** lower-kebab-case: served at `/api/<name>`. */
export const functionNameSchema = z
  .string()
  .max(63)
  .regex(FUNCTION_NAME, 'must be lower-kebab-case, e.g. "list-notes" (letters, digits, single hyphens, starting with a letter)');

/** PascalCase: the file `frontend/<Name>.tsx`, referenced from the blueprint. */
export const componentNameSchema = z.string().max(64).regex(COMPONENT_NAME, 'must be PascalCase, e.g. "NotesApp" (a capital letter, then letters and digits)');
