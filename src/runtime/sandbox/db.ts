import type { HostMessage, SandboxMessage } from '../protocol.ts';
import { scopes } from './console.ts';
import { WIRE_LIMITS } from '../wire.ts';

type Reply = Extract<HostMessage, { type: 'db-reply' }>;

let nextCallId = 1;
const calls = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();

/**
 * The `@tessera/db` module inside the sandbox. Each call goes to the platform tagged with the
 * invocation that made it (the platform refuses calls of invocations that are not in flight).
 * The object is its own `default` and says `__esModule`, so `require('@tessera/db').query`,
 * `import db from '@tessera/db'` and `import { query } from '@tessera/db'` all work after esbuild's
 * CommonJS interop.
 */
export function createDbModule(send: (message: SandboxMessage) => void): Readonly<Record<string, unknown>> {
  const call = (op: 'query' | 'execute', sql: unknown, params: unknown): Promise<unknown> => {
    const scope = scopes.getStore();
    if (!scope) return Promise.reject(new Error('@tessera/db can only be used while the function handles a request'));
    if (typeof sql !== 'string') return Promise.reject(new TypeError(`db.${op}(sql, params): sql must be a string, got ${typeof sql}`));
    const sqlBytes = Buffer.byteLength(sql);
    if (sqlBytes > WIRE_LIMITS.sqlBytes) {
      return Promise.reject(
        Object.assign(
          new Error(
            `db.${op}(sql, params): the SQL text has ${sqlBytes} bytes, over the ${WIRE_LIMITS.sqlBytes} bytes one call may send (SQL_MAX_BYTES is at most that); nothing was run. Send data as parameters of a short statement, not inside the SQL text.`,
          ),
          { code: 'SQL_REFUSED' },
        ),
      );
    }
    const callId = nextCallId++;
    return new Promise((resolve, reject) => {
      try {
        send({ type: 'db', id: scope.id, callId, op, sql, params: params ?? [] });
      } catch (err) {
        // A parameter V8 cannot copy (a function, a class instance with private state...).
        return reject(
          new TypeError(
            `db.${op}(sql, params): the parameters cannot be sent to the database (${(err as Error).message}); use strings, numbers, bigints, booleans, null, Dates or Buffers, in an array or a plain object`,
          ),
        );
      }
      calls.set(callId, { resolve, reject });
    });
  };
  const db: Record<string, unknown> = {
    query: (sql: unknown, params?: unknown) => call('query', sql, params),
    execute: (sql: unknown, params?: unknown) => call('execute', sql, params),
  };
  db.default = db;
  db.__esModule = true;
  return Object.freeze(db);
}

/** Settles the call a reply belongs to. An error keeps the platform's message and code (e.g. SQL_ERROR). */
export function settleDbCall(reply: Reply): void {
  const call = calls.get(reply.callId);
  if (!call) return;
  calls.delete(reply.callId);
  if (reply.ok) call.resolve(reply.value);
  else call.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
}
