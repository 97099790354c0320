import { readSecretFile } from './secret-files.ts';
import { decodeValue, encodeValue } from './wire.ts';

/*
 * `@tessera/db` for functions running on Fission: the same `query`/`execute` calls as in Tessera's
 * own runtime, sent over HTTP to the control plane's data endpoint. Which Secret holds the endpoint
 * URL and token is fixed when the release is exported (this file is not the function's file: the
 * function's bundle is byte for byte the one Tessera runs itself).
 */
declare const __TESSERA_DATA_SECRET__: { namespace: string; name: string };

const REQUEST_TIMEOUT_MS = 30_000;

async function call(op: 'query' | 'execute', sql: unknown, params: unknown): Promise<unknown> {
  if (typeof sql !== 'string') throw new TypeError(`db.${op}(sql, params): sql must be a string, got ${typeof sql}`);
  const { namespace, name } = __TESSERA_DATA_SECRET__;
  const url = readSecretFile(namespace, name, 'url');
  const token = readSecretFile(namespace, name, 'token');
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ op, sql, params: encodeValue(params ?? []) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw Object.assign(new Error(`@tessera/db: the data endpoint ${url} did not answer (${(err as Error).message})`), { code: 'DB_UNAVAILABLE' });
  }
  const text = await res.text();
  let reply: { ok?: boolean; value?: unknown; error?: { code?: string; message?: string } };
  try {
    reply = JSON.parse(text);
  } catch {
    throw Object.assign(new Error(`@tessera/db: the data endpoint answered ${res.status} without JSON`), { code: 'DB_UNAVAILABLE' });
  }
  if (!res.ok || !reply.ok) {
    const error = reply.error ?? {};
    throw Object.assign(new Error(error.message ?? `@tessera/db: the data endpoint answered ${res.status}`), error.code ? { code: error.code } : {});
  }
  return decodeValue(reply.value);
}

// Bundled as CommonJS with __esModule: `require('@tessera/db').query`, `import db from '@tessera/db'`
// and `import { query } from '@tessera/db'` all work in the function's bundle, as in Tessera's runtime.
export const query = (sql: unknown, params?: unknown): Promise<unknown> => call('query', sql, params);
export const execute = (sql: unknown, params?: unknown): Promise<unknown> => call('execute', sql, params);
export default { query, execute };
