import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { TesseraError, toTesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';

/**
 * Renders any error as `{ ok: false, error: {code, message, details?} }` with the error's status.
 * A system error (5xx, or anything not a TesseraError) is logged at error with its cause; a refusal
 * (4xx) at info. Both with the request's logger (its id) when the request log middleware set one.
 */
export function errorResponse(c: Context, err: unknown, logger: Logger): Response {
  const error = toTesseraError(err);
  const log = (c.get('logger') as Logger | undefined) ?? logger;
  if (error.status >= 500) log.error({ err: error.cause ?? error, code: error.code }, error.message);
  else log.info({ code: error.code, status: error.status }, error.message);
  return c.json({ ok: false, error: error.toJSON() }, error.status as ContentfulStatusCode);
}

/**
 * Reads a JSON request body; an empty body is `{}`, anything unparsable is INVALID_JSON (400). The
 * route's body limit (body-limit.ts) already bounds what is read; `limitBytes` is a tighter one.
 */
export async function readJsonBody(c: Context, limitBytes?: number): Promise<unknown> {
  const text = await c.req.text();
  if (limitBytes !== undefined && Buffer.byteLength(text) > limitBytes)
    throw new TesseraError('PAYLOAD_TOO_LARGE', `Request body is larger than ${limitBytes} bytes.`);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TesseraError('INVALID_JSON', `Request body is not valid JSON: ${(err as Error).message}`);
  }
}
