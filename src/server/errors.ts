import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { TesseraError, toTesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** Renders any error as `{ ok: false, error: {code, message, details?} }` with the error's status. */
export function errorResponse(c: Context, err: unknown, logger: Logger): Response {
  const error = toTesseraError(err);
  if (error.status >= 500) logger.error({ err: error.cause ?? error, code: error.code }, error.message);
  return c.json({ ok: false, error: error.toJSON() }, error.status as ContentfulStatusCode);
}

/**
 * Reads a JSON request body; an empty body is `{}`, anything unparsable is INVALID_JSON (400). The
 * route's body limit (body-limit.ts) already bounds what is read; `limitBytes` is a tighter one.
 */
export async function readJsonBody(c: Context, limitBytes?: number): Promise<unknown> {
  const text = await c.req.text();
  if (limitBytes !== undefined && Buffer.byteLength(text) > limitBytes) throw new TesseraError('PAYLOAD_TOO_LARGE', `Request body is larger than ${limitBytes} bytes.`);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TesseraError('INVALID_JSON', `Request body is not valid JSON: ${(err as Error).message}`);
  }
}
