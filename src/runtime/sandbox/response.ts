import { Readable } from 'node:stream';
import type { SandboxResponse } from '../protocol.ts';
import { cutText, WIRE_LIMITS } from '../wire.ts';

/** Between the values of a multi-valued Set-Cookie in SandboxResponse.headers (see responseHeaders). */
export const SET_COOKIE_SEPARATOR = '\n';

/** HTTP headers for a function's response: each Set-Cookie value its own header. */
export function responseHeaders(headers: Record<string, string>): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'set-cookie') for (const cookie of value.split(SET_COOKIE_SEPARATOR)) out.append(name, cookie);
    else out.set(name, value);
  }
  return out;
}

/** A reply Fission could not send (it would hang or answer 500): answered 500 with this message. */
export class BadResult extends Error {}

/** A body over the response limit: answered 502. */
export class TooLarge extends Error {}

/** What a function answered, by any of the three ways (return value, callback, `context.response`). */
export interface Reply {
  status: unknown;
  headers: unknown;
  body: unknown;
  /** How Express would send it: `res.send` (the return value and callback), `res.json`, or `res.end`. */
  mode: 'send' | 'json' | 'end';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** Express computes these itself; a function's own values would corrupt the HTTP framing (the platform drops them again: host/response-check.ts). */
const COMPUTED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'http2-settings']);
const SHORT_TYPES: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  text: 'text/plain',
  txt: 'text/plain',
  json: 'application/json',
  js: 'text/javascript',
  css: 'text/css',
  xml: 'application/xml',
  csv: 'text/csv',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  bin: 'application/octet-stream',
  ico: 'image/vnd.microsoft.icon',
};
/** mime-db types that carry a default charset besides text/*. */
const CHARSET_TYPES = new Set(['application/json', 'application/javascript', 'application/manifest+json', 'application/fhir+json', 'application/elm+json']);

/** As Express's `res.set('Content-Type', v)` (mime-types' `contentType`): short names expand, text types get a charset. */
export function normalizeContentType(value: string): string {
  let type = value.includes('/') ? value : (SHORT_TYPES[value.toLowerCase()] ?? value);
  const media = type.split(';')[0]!.trim().toLowerCase();
  if (!/;\s*charset=/i.test(type) && (media.startsWith('text/') || CHARSET_TYPES.has(media))) type += '; charset=utf-8';
  return type;
}

/** As Express's `setCharset(type, 'utf-8')` for string bodies: parameters sorted, charset forced to utf-8. */
function withUtf8(type: string): string {
  const [base, ...rest] = type.split(';');
  const media = base!.trim().toLowerCase();
  if (!MEDIA_TYPE.test(media)) throw new BadResult(`the Content-Type "${type}" is not a valid media type`);
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq > 0) params.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim());
  }
  params.set('charset', 'utf-8');
  return [media, ...[...params.keys()].sort().map((key) => `${key}=${params.get(key)}`)].join('; ');
}

/** The headers as Express's `res.set(name, value)` for each key leaves them, lowercased. */
function collectHeaders(raw: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!raw || typeof raw !== 'object') return headers;
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > WIRE_LIMITS.headerCount)
    throw new BadResult(`the response has ${entries.length} headers, more than the ${WIRE_LIMITS.headerCount} allowed`);
  let total = 0;
  for (const [name, value] of entries) {
    if (name.length > WIRE_LIMITS.headerNameBytes)
      throw new BadResult(
        `a header name of ${name.length} characters (${JSON.stringify(cutText(name, 64))}) is longer than the ${WIRE_LIMITS.headerNameBytes} allowed`,
      );
    if (!TOKEN.test(name)) throw new BadResult(`the header name ${JSON.stringify(cutText(name, 200))} is not valid`);
    const key = name.toLowerCase();
    if (key === 'content-type' && Array.isArray(value)) throw new BadResult('the Content-Type header cannot be an array');
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    if (values.some((v) => INVALID_VALUE.test(v)))
      throw new BadResult(`the value of header "${name}" holds characters HTTP does not allow (e.g. a line break)`);
    // Express sends each Set-Cookie of an array as a header of its own (a comma is not a separator
    // there); a line break, which no value can hold, keeps them apart until the response is written.
    const text = values.join(key === 'set-cookie' ? SET_COOKIE_SEPARATOR : ', ');
    if (COMPUTED.has(key) || key.startsWith('proxy-')) continue;
    total += key.length + Buffer.byteLength(text);
    if (Buffer.byteLength(text) > WIRE_LIMITS.headerValueBytes || total > WIRE_LIMITS.headerTotalBytes) {
      throw new BadResult(
        `the headers are too large (a value may have ${WIRE_LIMITS.headerValueBytes} bytes, all of them together ${WIRE_LIMITS.headerTotalBytes})`,
      );
    }
    headers[key] = key === 'content-type' ? normalizeContentType(text) : text;
  }
  return headers;
}

function checkStatus(status: unknown): number {
  if (typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599) return status;
  if (status === undefined || status === null || status === 0 || status === '') {
    throw new BadResult(`function returned no numeric status (got ${JSON.stringify(status) ?? 'undefined'}); return { status: 200, body: ... }`);
  }
  if (typeof status === 'string')
    throw new BadResult(`function returned the status ${JSON.stringify(status)} as a string; return a number, e.g. { status: 200 }`);
  throw new BadResult(`function returned the status ${String(status)}; use a whole number from 200 to 599`);
}

async function readStream(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
      size += bytes.length;
      if (size > limit) {
        stream.destroy();
        throw new TooLarge(`the response body stream passed ${limit} bytes, the limit`);
      }
      chunks.push(bytes);
    }
  } catch (err) {
    if (err instanceof TooLarge) throw err;
    throw new BadResult(`the body stream failed: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch (err) {
    throw new BadResult(`the body cannot be sent as JSON: ${(err as Error).message}`);
  }
}

/**
 * Turns a reply into HTTP the way Fission's Node.js environment (Express 5 `res.send`) does:
 * Buffer and typed arrays -> application/octet-stream; string -> text/html unless a type is set;
 * a Readable -> its bytes, no default type; null/undefined -> empty; anything else -> JSON.
 * String bodies always say `charset=utf-8`; 204/304 drop body and type; HEAD drops the body.
 */
export async function mapReply(reply: Reply, method: string, maxBytes: number): Promise<SandboxResponse> {
  const status = checkStatus(reply.status);
  const headers = collectHeaders(reply.headers);
  const type = headers['content-type'];
  const { body } = reply;
  let bytes: Buffer;
  if (
    reply.mode === 'json' ||
    (reply.mode === 'send' &&
      body !== null &&
      body !== undefined &&
      (typeof body === 'number' || typeof body === 'boolean' || typeof body === 'object') &&
      !ArrayBuffer.isView(body) &&
      !(body instanceof Readable))
  ) {
    bytes = Buffer.from(json(body));
    headers['content-type'] = withUtf8(type ?? 'application/json');
  } else if (body === undefined || body === null) {
    bytes = Buffer.alloc(0);
    // Express sends null as an empty string: a type the function set gains the charset, none is added.
    if (body === null && type && reply.mode === 'send') headers['content-type'] = withUtf8(type);
  } else if (typeof body === 'string') {
    bytes = Buffer.from(body);
    if (reply.mode === 'send') headers['content-type'] = type ? withUtf8(type) : 'text/html; charset=utf-8';
  } else if (ArrayBuffer.isView(body)) {
    bytes = Buffer.isBuffer(body) ? body : Buffer.from(body as Uint8Array);
    if (!type && reply.mode === 'send') headers['content-type'] = 'application/octet-stream';
  } else if (body instanceof Readable) {
    bytes = await readStream(body, maxBytes);
  } else {
    throw new BadResult(`the body is a ${typeof body}, which cannot be sent; return a string, Buffer, object or array`);
  }
  if (bytes.length > maxBytes) throw new TooLarge(`the response body has ${bytes.length} bytes, more than the ${maxBytes}-byte limit`);
  if (status === 204 || status === 304) {
    delete headers['content-type'];
    bytes = Buffer.alloc(0);
  }
  if (status === 205 || method === 'HEAD') bytes = Buffer.alloc(0);
  return { status, headers, body: bytes };
}
