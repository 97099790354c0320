import type { Reply } from './response.ts';

// node:http has the full table, but loading it costs ~2.5 ms of every cold start.
const STATUS_CODES: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * `context.response`. On Fission it is Express's real `res`, and a reply written to it stands (a
 * later return value is ignored); this stand-in keeps that behaviour for the common calls, so such a
 * function answers the same here. The first use is logged as a warning, since the contract is to
 * return `{ status, headers, body }`.
 */
export function createResponseStub(onReply: (reply: Reply) => void, warn: (message: string) => void): Record<string, unknown> {
  let status = 200;
  const headers: Record<string, unknown> = {};
  const written: Array<string | Uint8Array> = [];
  let sent = false;
  let warned = false;
  const use = (method: string): void => {
    if (warned) return;
    warned = true;
    warn(
      `context.response.${method}() is not part of the function contract; return { status, headers, body } instead (the reply was still sent, as Fission does).`,
    );
  };
  const finish = (body: unknown, mode: Reply['mode']): void => {
    if (sent) return;
    sent = true;
    onReply({ status, headers: { ...headers }, body, mode });
  };
  const res: Record<string, unknown> = {
    get statusCode() {
      return status;
    },
    set statusCode(code: number) {
      status = code;
    },
    get headersSent() {
      return sent;
    },
    locals: {},
    status(code: number) {
      use('status');
      status = code;
      return res;
    },
    set(field: string | Record<string, unknown>, value?: unknown) {
      use('set');
      const entries = typeof field === 'object' && field ? Object.entries(field) : [[String(field), value] as const];
      for (const [name, v] of entries) headers[name.toLowerCase()] = v;
      return res;
    },
    get: (field: string) => headers[String(field).toLowerCase()],
    type(type: string) {
      return (res.set as (f: string, v: unknown) => unknown)('content-type', type);
    },
    send(body?: unknown) {
      use('send');
      finish(body, 'send');
      return res;
    },
    json(body?: unknown) {
      use('json');
      finish(body, 'json');
      return res;
    },
    sendStatus(code: number) {
      use('sendStatus');
      status = code;
      finish(STATUS_CODES[code] ?? String(code), 'send');
      return res;
    },
    redirect(a: number | string, b?: string) {
      use('redirect');
      const [code, location] = typeof a === 'number' ? [a, String(b)] : [302, String(a)];
      status = code;
      headers.location = location;
      headers['content-type'] = 'text/plain';
      finish(`${STATUS_CODES[code] ?? 'Found'}. Redirecting to ${location}`, 'send');
    },
    write(chunk: string | Uint8Array) {
      use('write');
      written.push(chunk);
      return true;
    },
    end(chunk?: string | Uint8Array) {
      use('end');
      if (chunk !== undefined && chunk !== null) written.push(chunk);
      finish(written.length ? Buffer.concat(written.map((c) => (typeof c === 'string' ? Buffer.from(c) : Buffer.from(c)))) : undefined, 'end');
      return res;
    },
    on: () => res,
    once: () => res,
    emit: () => false,
  };
  res.header = res.set;
  res.setHeader = (name: string, value: unknown) => (res.set as (f: string, v: unknown) => unknown)(name, value);
  res.getHeader = res.get;
  res.removeHeader = (name: string) => {
    delete headers[String(name).toLowerCase()];
  };
  return res;
}
