/**
 * The HTTP edge's input check: each body and query is parsed with a zod schema once, in the handler
 * that reads it. A body or query that does not fit is a 400 INVALID_ARGUMENTS naming each field
 * (as tool arguments are, see tools/index.ts), never a cast that fails later as a 500.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { readJsonBody } from './errors.ts';

/** One line per problem, `field.path: message`, with an optional hint of what to send. */
export function invalidRequest(where: 'body' | 'query', error: z.ZodError, hint?: string): TesseraError {
  const problems = error.issues.map((issue) => ({ message: `${issue.path.length ? issue.path.join('.') : `(${where})`}: ${issue.message}` }));
  return new TesseraError('INVALID_ARGUMENTS', `Invalid request ${where}:\n- ${problems.map((p) => p.message).join('\n- ')}${hint ? `\n${hint}` : ''}`, {
    details: { problems },
  });
}

/** The JSON body (an empty one is `{}`; unparsable JSON is INVALID_JSON), checked against `schema`. */
export async function readBody<T>(c: Context, schema: z.ZodType<T>, options: { hint?: string; limitBytes?: number } = {}): Promise<T> {
  const parsed = schema.safeParse(await readJsonBody(c, options.limitBytes));
  if (!parsed.success) throw invalidRequest('body', parsed.error, options.hint);
  return parsed.data;
}

/** The query string's parameters (the first of each), checked against `schema`. */
export function readQuery<T>(c: Context, schema: z.ZodType<T>, hint?: string): T {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalidRequest('query', parsed.error, hint);
  return parsed.data;
}

/**
 * `?database=draft|live`: which of the app's two databases a database route reads or writes. The
 * draft's by default: it is the one the agent and the draft preview work on.
 */
export const databaseChoice = z.object({ database: z.enum(['draft', 'live']).optional() });

/** The database a request names (`?database=`), the draft's by default. */
export function databaseOf(c: Context): 'draft' | 'live' {
  return readQuery(c, databaseChoice.passthrough(), 'Use ?database=draft or ?database=live.').database ?? 'draft';
}

/** A query parameter that is a whole number of 0 or more (`?limit=50`). */
export const wholeNumber = z.string().regex(/^\d{1,15}$/, 'expected a whole number (0 or more)');
