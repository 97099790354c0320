import type { SandboxResponse } from '../protocol.ts';

/** Thrown when a function returns something Fission could not send: answered 500 with a clear message. */
export class BadResult extends Error {}

/**
 * Maps `{ status, body, headers }` the way Fission's Node.js environment (Express `res.send`) does:
 * Buffer -> octet-stream; string -> text/html unless a content type is set; null/undefined -> empty;
 * any other value -> JSON.
 */
export function mapResult(result: unknown): SandboxResponse {
  if (result === null || typeof result !== 'object') {
    throw new BadResult(`the function returned ${result === undefined ? 'undefined' : JSON.stringify(result)}; return an object such as { status: 200, body: ... }`);
  }
  const { status, body, headers: rawHeaders } = result as { status?: unknown; body?: unknown; headers?: unknown };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new BadResult(`the function returned no valid numeric status (got ${JSON.stringify(status)}); return { status: 200, body: ... }`);
  }
  const headers: Record<string, string> = {};
  if (rawHeaders && typeof rawHeaders === 'object') {
    for (const [name, value] of Object.entries(rawHeaders as Record<string, unknown>)) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  const withType = (type: string): void => {
    if (!headers['content-type']) headers['content-type'] = type;
    else if (!/charset=/i.test(headers['content-type']) && /^text\/|json/i.test(headers['content-type']) && !Buffer.isBuffer(body)) headers['content-type'] += '; charset=utf-8';
  };
  let bytes: Uint8Array;
  if (body === undefined || body === null) {
    bytes = new Uint8Array(0);
  } else if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
    bytes = body;
    if (!headers['content-type']) headers['content-type'] = 'application/octet-stream';
  } else if (typeof body === 'string') {
    bytes = Buffer.from(body);
    withType('text/html; charset=utf-8');
  } else {
    bytes = Buffer.from(JSON.stringify(body) ?? '');
    withType('application/json; charset=utf-8');
  }
  return { status, headers, body: bytes };
}
