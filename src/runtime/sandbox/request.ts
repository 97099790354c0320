import querystring from 'node:querystring';
import type { SandboxRequest } from '../protocol.ts';

/** A request Fission's Express would refuse before calling the function (bad JSON): answered 400. */
export class BadRequest extends Error {}

/** Express 5's default ("simple") query parser is `querystring.parse`: repeated keys become arrays, `o[k]` stays flat. */
export function parseQuery(search: string): Record<string, string | string[]> {
  return querystring.parse(search.startsWith('?') ? search.slice(1) : search) as Record<string, string | string[]>;
}

function mediaType(headers: Record<string, string>): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The body as Fission's parsers (express.json strict, urlencoded, text for text/*, raw) leave it.
 * Parsing happens here, in the sandbox, so that a hostile body costs the tenant's CPU, not the platform's.
 * - JSON: objects and arrays only ("strict"); an empty body with a Content-Length gives `{}`.
 * - urlencoded: a flat object, repeated keys as arrays; empty gives `{}`.
 * - `text/*`: a string. `application/octet-stream`: a Buffer.
 * - Any other type (Fission leaves those `undefined`): the raw Buffer, so a function can still read it.
 * - No body at all: `undefined`.
 */
export function parseBody(headers: Record<string, string>, raw: Buffer): unknown {
  const announced = raw.length > 0 || headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
  if (!announced) return undefined;
  const type = mediaType(headers);
  if (type === 'application/json') {
    if (raw.length === 0) return {};
    const text = raw.toString('utf8');
    const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
    if (first !== '{' && first !== '[') throw new BadRequest('The request body is not a JSON object or array (only those are accepted for application/json).');
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new BadRequest(`The request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    // A plain object (querystring's has no prototype); fromEntries keeps "__proto__" an own key.
    return Object.fromEntries(Object.entries(querystring.parse(raw.toString('utf8'))));
  }
  if (type.startsWith('text/')) return raw.toString('utf8');
  if (raw.length === 0) return type === 'application/octet-stream' ? raw : undefined;
  return raw;
}

/** A plain object shaped like the Express 5 `req` Fission hands a function. */
export function buildRequest(input: SandboxRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  const queryAt = input.url.indexOf('?');
  const path = queryAt === -1 ? input.url : input.url.slice(0, queryAt);
  const get = (name: string): string | undefined => {
    const key = String(name).toLowerCase();
    return key === 'referer' || key === 'referrer' ? (headers.referer ?? headers.referrer) : headers[key];
  };
  return {
    method: input.method.toUpperCase(),
    url: input.url,
    originalUrl: input.url,
    baseUrl: '',
    path: path.split('#')[0] || '/',
    protocol: 'http',
    secure: false,
    hostname: (headers['x-forwarded-host'] ?? headers.host ?? '').replace(/:\d+$/, ''),
    headers,
    query: parseQuery(queryAt === -1 ? '' : input.url.slice(queryAt + 1).split('#')[0]!),
    params: {},
    body: parseBody(headers, Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength)),
    get,
    header: get,
  };
}
