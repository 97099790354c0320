import type { SandboxRequest, SandboxResponse, SandboxUser } from '../protocol.ts';
import { bindUser } from './auth.ts';
import type { UserFunction } from './loader.ts';
import { BadRequest, buildRequest } from './request.ts';
import { BadResult, mapReply, TooLarge, type Reply } from './response.ts';
import { createResponseStub } from './response-stub.ts';

/** A response to send, or a reply the function got wrong (answered with a JSON error by the platform). */
export type Outcome = { ok: true; response: SandboxResponse } | { ok: false; code: 'FUNCTION_FAILED' | 'FUNCTION_CRASHED'; message: string };

type Settled = Reply | { thrown: unknown } | { invalid: string };

/** Fission answers a thrown error or a rejected promise with exactly this; keep the answer the same. */
const INTERNAL_ERROR: SandboxResponse = { status: 500, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from('Internal server error') };

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

function fromResult(result: unknown): Settled {
  if (result === null || typeof result !== 'object') {
    return { invalid: `function returned ${result === undefined ? 'undefined' : typeof result}; return an object such as { status: 200, body: ... }` };
  }
  const { status, body, headers } = result as Record<string, unknown>;
  return { status, body, headers, mode: 'send' };
}

/**
 * Calls a function the way Fission's Node.js environment does: no parameters or one -> `await
 * fn(context)` (or `fn()`); two -> `fn(context, callback)` with `callback(status, body, headers)`.
 * The first answer wins (return value, callback or `context.response`). Must run inside the call's
 * console scope. `user`: the call's signed-in app user, for `@tessera/auth` (auth.ts).
 */
export async function callFunction(fn: UserFunction, request: SandboxRequest, maxResponseBytes: number, user: SandboxUser | null = null): Promise<Outcome> {
  let req: Record<string, unknown>;
  try {
    req = buildRequest(request);
  } catch (err) {
    if (!(err instanceof BadRequest)) throw err;
    // Fission's body parser refuses such a request before the function runs.
    return {
      ok: true,
      response: {
        status: 400,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: Buffer.from(JSON.stringify({ error: { code: 'INVALID_JSON', message: err.message } })),
      },
    };
  }
  const settled = await new Promise<Settled>((resolve) => {
    const context = { request: req, response: createResponseStub(resolve, (message) => console.warn(message)) };
    bindUser(context, user);
    try {
      if (fn.length <= 1) {
        Promise.resolve(fn.length === 0 ? fn() : fn(context)).then(
          (result) => resolve(fromResult(result)),
          (err: unknown) => resolve({ thrown: err }),
        );
      } else {
        const returned = fn(context, (status: unknown, body: unknown, headers: unknown) => resolve({ status, body, headers, mode: 'send' })) as
          | { then?: unknown }
          | undefined;
        // An async (context, callback) function that rejects is never answered on Fission; answer 500.
        if (returned && typeof returned.then === 'function') (returned as Promise<unknown>).then(undefined, (err: unknown) => resolve({ thrown: err }));
      }
    } catch (err) {
      resolve({ thrown: err });
    }
  });
  if ('thrown' in settled) {
    const hint =
      fn.length >= 2 && settled.thrown instanceof TypeError
        ? "\n(The second parameter is Fission's callback(status, body, headers), not an Express response.)"
        : '';
    console.error(`Function error: ${errorText(settled.thrown)}${hint}`);
    return { ok: true, response: INTERNAL_ERROR };
  }
  if ('invalid' in settled) return { ok: false, code: 'FUNCTION_FAILED', message: settled.invalid };
  try {
    return { ok: true, response: await mapReply(settled, String(request.method).toUpperCase(), maxResponseBytes) };
  } catch (err) {
    if (err instanceof TooLarge) return { ok: false, code: 'FUNCTION_CRASHED', message: `${err.message}; send less (e.g. paginate)` };
    if (err instanceof BadResult) return { ok: false, code: 'FUNCTION_FAILED', message: err.message };
    return { ok: false, code: 'FUNCTION_FAILED', message: `the response could not be sent: ${errorText(err)}` };
  }
}
