/**
 * The sandbox process: runs one tenant's functions. Never imports host code; talks to the platform
 * only over its channel (protocol.ts). Started with an empty environment, a heap limit and Node's
 * permission model (and, where it works, inside bubblewrap), so tenant code can read no file but
 * this one, write none, and start no process.
 */
import type { HostMessage, SandboxMessage } from '../protocol.ts';
import { openChannel, send } from './channel.ts';
import { createAuthModule } from './auth.ts';
import { captureConsole, finish, newScope, scopes } from './console.ts';
import { createDbModule, settleDbCall } from './db.ts';
import { createEmailModule, settleEmail } from './email.ts';
import { createFetch, settleFetch } from './fetch.ts';
import { callFunction } from './invoke.ts';
import { FunctionCache, LoadError, loadFunction } from './loader.ts';
import { lockDown } from './lockdown.ts';
import { createSandboxRequire } from './modules.ts';
import { renderComponent } from './render.ts';
import { cutText } from '../wire.ts';
import { createSecretsModule, replaceSecrets } from './secrets.ts';

type Message<T extends HostMessage['type']> = Extract<HostMessage, { type: T }>;

captureConsole((scope, line) => send({ type: 'late-logs', fn: scope.fn, requestId: scope.requestId, logs: [line] }));
const sandboxRequire = createSandboxRequire({
  '@tessera/db': createDbModule(send),
  '@tessera/secrets': createSecretsModule(),
  '@tessera/auth': createAuthModule(),
  '@tessera/email': createEmailModule(send),
});
const loaded = new FunctionCache(64);
/** Until the first tenant code runs, this process's compiles are the platform's own (see 'code-cache'). */
let pristine = true;

function failure(
  id: number,
  code: Extract<SandboxMessage, { type: 'failed' }>['code'],
  message: string,
  logs: Extract<SandboxMessage, { type: 'failed' }>['logs'],
  err?: unknown,
): Extract<SandboxMessage, { type: 'failed' }> {
  const location = err instanceof LoadError ? err.location : undefined;
  // Cut here (with a note): an error may quote anything the function made, e.g. a 20 MB header name.
  return { type: 'failed', id, code, message: cutText(message), logs, ...(location ? { location } : {}) };
}

/** Sends a call's answer; one that breaks a limit of the channel (wire.ts) is answered as the function's failure instead. */
function answer(message: Extract<SandboxMessage, { id: number }>): void {
  try {
    send(message);
  } catch (err) {
    const logs = 'logs' in message ? message.logs : [];
    send(
      failure(
        message.id,
        message.type === 'rendered' ? 'RENDER_FAILED' : 'FUNCTION_FAILED',
        `the answer could not be sent to the platform: ${(err as Error).message}`,
        logs.slice(0, 200),
      ),
    );
  }
}

async function invoke(message: Message<'invoke'>): Promise<void> {
  const key = `${message.fn.name}\0${message.fn.hash}`;
  const scope = newScope(message.id, message.fn.name, message.requestId);
  await scopes.run(scope, async () => {
    let fn = loaded.get(key);
    if (!fn) {
      if (message.fn.code === undefined) return answer({ type: 'missing-code', id: message.id });
      try {
        const source = { name: message.fn.name, code: message.fn.code, codeCache: message.fn.codeCache };
        fn = loadFunction(source, sandboxRequire, (data) => {
          try {
            if (pristine) send({ type: 'code-cache', hash: message.fn.hash, ...(data ? { data } : {}) });
          } catch {
            // A cache over the channel's limit is simply not kept.
          }
          pristine = false;
        });
        loaded.set(key, fn);
      } catch (err) {
        return answer(failure(message.id, 'FUNCTION_FAILED', `Function ${message.fn.name} failed to load: ${(err as Error).message}`, finish(scope), err));
      }
    }
    let outcome: Awaited<ReturnType<typeof callFunction>>;
    try {
      outcome = await callFunction(fn, message.request, message.maxResponseBytes, message.user ?? null);
    } catch (err) {
      // The sandbox's own failure (tenant code may have broken a built-in it relies on): answer, not hang.
      outcome = {
        ok: false,
        code: 'FUNCTION_FAILED',
        message: `the call failed in the sandbox: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      };
    }
    const logs = finish(scope);
    if (outcome.ok) answer({ type: 'result', id: message.id, response: outcome.response, logs });
    else answer(failure(message.id, outcome.code, `Function ${message.fn.name}: ${outcome.message}`, logs));
  });
}

function check(message: Message<'check'>): void {
  const scope = newScope(message.id, message.fn.name);
  scopes.run(scope, () => {
    try {
      // A fresh evaluation, kept nowhere: the version being served stays the one in the cache.
      loadFunction({ name: message.fn.name, code: message.fn.code }, sandboxRequire, () => (pristine = false));
      answer({ type: 'loaded', id: message.id, logs: finish(scope) });
    } catch (err) {
      answer(failure(message.id, 'FUNCTION_INVALID', `Function ${message.fn.name} failed to load: ${(err as Error).message}`, finish(scope), err));
    }
  });
}

function render(message: Message<'render'>): void {
  const scope = newScope(message.id, message.component.name);
  scopes.run(scope, () => {
    try {
      pristine = false;
      const html = renderComponent(message.component, message.props, message.vendor, sandboxRequire);
      answer({ type: 'rendered', id: message.id, html, logs: finish(scope) });
    } catch (err) {
      answer(failure(message.id, 'RENDER_FAILED', err instanceof Error ? (err.stack ?? err.message) : String(err), finish(scope)));
    }
  });
}

// Node loads its fetch classes (undici) on first use, and that load touches process members that
// lockDown freezes: load them now, while the process is still the platform's.
void new Request('http://sandbox.invalid/', { method: 'POST', body: new Uint8Array(1), headers: new Headers({ a: 'b' }) }).arrayBuffer();
void new Response(new Uint8Array(1), { status: 200 }).text();
lockDown();
// After lockDown (which removes Node's own): the only way out is the platform's egress proxy.
Object.defineProperty(globalThis, 'fetch', { value: createFetch(send), writable: false, configurable: false, enumerable: true });
openChannel((message) => {
  if ((message.type === 'invoke' || message.type === 'check') && message.secrets) replaceSecrets(message.secrets);
  if (message.type === 'invoke') void invoke(message);
  else if (message.type === 'check') check(message);
  else if (message.type === 'render') render(message);
  else if (message.type === 'db-reply') settleDbCall(message);
  else if (message.type === 'fetch-reply') settleFetch(message);
  else if (message.type === 'email-reply') settleEmail(message);
});
// As Fission's server: an error thrown in a function's timer or a promise nobody awaited is logged
// (to the call it came from) and the process keeps serving the tenant's other calls.
process.on('uncaughtException', (err) => console.error(`Uncaught exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
process.on('unhandledRejection', (reason) =>
  console.error(`Unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
);
send({ type: 'ready' });
