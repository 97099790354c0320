import { TesseraError } from '../../errors.ts';
import type { SandboxResponse } from '../protocol.ts';

/** Between the values of a multi-valued Set-Cookie (as sandbox/response.ts joins them). */
const SET_COOKIE_SEPARATOR = '\n';
/** RFC 9110 token: what Node accepts as a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node refuses in a header value (its checkInvalidHeaderChar). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/**
 * Headers about the connection and the message's framing: the platform's alone. A function's own
 * `Content-Length: 0` before a longer body, or `Transfer-Encoding` beside a length, would let the rest
 * of its body pass for a second response on a kept-alive connection.
 */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'http2-settings']);

/** A header a function may not set: the connection's, the framing's, or a proxy's. */
export function isPlatformHeader(name: string): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-');
}

/**
 * A sandbox's response checked again on the platform, as Node checks its own before writing them:
 * the sandbox filters the same way, but it runs tenant code, which can write any frame. Status
 * 200-599; names are tokens, values hold no line breaks or control characters; framing and
 * connection headers are dropped (the platform computes the length); no body where HTTP has none.
 * Throws FUNCTION_CRASHED (502) for a response Node would refuse to write.
 */
export function checkSandboxResponse(response: SandboxResponse, method: string, fn: string): { status: number; headers: Record<string, string>; body: Buffer } {
  const refuse = (why: string) => new TesseraError('FUNCTION_CRASHED', `Function ${fn}: its process sent a response the platform does not accept (${why}).`);
  const { status } = response;
  if (!Number.isInteger(status) || status < 200 || status > 599) throw refuse(`status ${String(status).slice(0, 20)}`);
  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(response.headers)) {
    if (!TOKEN.test(rawName)) throw refuse(`the header name ${JSON.stringify(rawName.slice(0, 64))} is not a token`);
    const name = rawName.toLowerCase();
    const values = name === 'set-cookie' ? value.split(SET_COOKIE_SEPARATOR) : [value];
    if (values.some((v) => INVALID_VALUE.test(v))) throw refuse(`the value of header ${name} holds a line break or control character`);
    if (isPlatformHeader(name)) continue;
    headers[name] = value;
  }
  let body = Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength);
  if (status === 204 || status === 304) {
    delete headers['content-type'];
    body = Buffer.alloc(0);
  }
  if (status === 205 || method.toUpperCase() === 'HEAD') body = Buffer.alloc(0);
  return { status, headers, body };
}
