import type { SandboxRequest } from '../protocol.ts';

/** Query string parsed like Express 5's default ("simple") parser: repeated keys become arrays. */
export function parseQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

/** The body as Fission's Express parsers leave it: JSON, urlencoded, text, raw Buffer, or undefined. */
export function parseBody(headers: Record<string, string>, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      throw Object.assign(new Error('Request body is not valid JSON'), { status: 400 });
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  if (type.startsWith('text/')) return raw.toString('utf8');
  return raw;
}

/** A plain object shaped like Express's `req`, which is what Fission hands a function. */
export function buildRequest(input: SandboxRequest): Record<string, unknown> {
  const url = new URL(input.url, 'http://function.local');
  const headers = input.headers;
  const raw = Buffer.from(input.body);
  return {
    method: input.method,
    url: input.url,
    originalUrl: input.url,
    path: url.pathname,
    headers,
    query: parseQuery(url.search),
    params: {},
    body: parseBody(headers, raw),
    get: (name: string) => headers[name.toLowerCase()],
    header: (name: string) => headers[name.toLowerCase()],
  };
}
