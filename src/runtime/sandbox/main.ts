/**
 * The sandbox process: runs one tenant's functions. Never imports host code; talks to the platform
 * only over the IPC channel (protocol.ts). Started with an empty environment and Node's permission
 * model, so tenant code can read no file but this one and start no process.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { builtinModules } from 'node:module';
import { format } from 'node:util';
import vm from 'node:vm';
import type { FunctionCode, HostMessage, LogLine, SandboxMessage } from '../protocol.ts';
import { buildRequest } from './request.ts';
import { BadResult, mapResult } from './response.ts';

type UserFunction = (...args: unknown[]) => unknown;

const send = (message: SandboxMessage): void => {
  process.send?.(message);
};

// --- logs: console output belongs to the invocation that is running (async context) -------------
const current = new AsyncLocalStorage<{ id: number; logs: LogLine[] }>();
const MAX_LOG_LINES = 200;
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => {
    const store = current.getStore();
    if (store && store.logs.length < MAX_LOG_LINES) store.logs.push({ time: new Date().toISOString(), level, message: format(...args).slice(0, 8192) });
  };
}

// --- @tessera/db: calls go to the host over IPC, tagged with the invocation that made them ---------
let nextCallId = 1;
const dbCalls = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
function dbCall(op: 'query' | 'execute', sql: unknown, params: unknown): Promise<unknown> {
  const store = current.getStore();
  if (!store) return Promise.reject(new Error('@tessera/db can only be used while the function handles a request'));
  if (typeof sql !== 'string') return Promise.reject(new TypeError(`db.${op}(sql, params): sql must be a string`));
  const callId = nextCallId++;
  return new Promise((resolve, reject) => {
    dbCalls.set(callId, { resolve, reject });
    send({ type: 'db', id: store.id, callId, op, sql, params: params ?? [] });
  });
}
const db: Record<string, unknown> = {
  query: (sql: unknown, params?: unknown) => dbCall('query', sql, params),
  execute: (sql: unknown, params?: unknown) => dbCall('execute', sql, params),
};
// So that `import db from '@tessera/db'` and `import { query } from '@tessera/db'` both work after esbuild's interop.
db.default = db;
db.__esModule = true;
Object.freeze(db);

// --- require: platform modules and harmless built-ins only ----------------------------------------
const ALLOWED_BUILTINS = new Set(['assert', 'buffer', 'crypto', 'events', 'path', 'querystring', 'stream', 'string_decoder', 'timers', 'url', 'util', 'zlib', 'stream/promises', 'timers/promises', 'util/types', 'path/posix', 'assert/strict', 'stream/web']);
const BUILTINS = new Set(builtinModules);
function sandboxRequire(specifier: string): unknown {
  if (specifier === '@tessera/db') return db;
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  if (ALLOWED_BUILTINS.has(bare)) return require(`node:${bare}`);
  if (BUILTINS.has(bare)) throw new Error(`Module "${specifier}" is not available to functions (no file system, processes, network or VM access). Use @tessera/db for data.`);
  throw new Error(`Cannot find module '${specifier}'`);
}

// --- lock down what tenant code can reach from the global scope ------------------------------------
// Until bubblewrap's namespaces wrap this process (the hardening issue), the permission model does
// not stop signals or sockets: take away the handles that lead there before any tenant code runs.
function refuse(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available to functions`);
  };
}
for (const name of ['kill', '_kill', 'dlopen', 'chdir', 'setuid', 'setgid', 'setgroups', 'seteuid', 'setegid', 'initgroups', 'abort', '_debugProcess', 'binding', '_linkedBinding'] as const) {
  Object.defineProperty(process, name, { value: refuse(`process.${name}`), writable: false, configurable: false });
}
Object.defineProperty(process, 'mainModule', { value: undefined, writable: false, configurable: false });
// bubblewrap's --chdir leaves PWD behind; functions see only what the platform chose.
delete process.env.PWD;
for (const name of ['fetch', 'WebSocket', 'EventSource']) {
  Reflect.deleteProperty(globalThis, name);
}

// --- loading --------------------------------------------------------------------------------------
const loaded = new Map<string, UserFunction>();

/** Compiles a function's CommonJS file, with V8's code cache when the host has one. */
function load(fn: FunctionCode & { code: string }): { fn: UserFunction; codeCache?: Uint8Array } {
  const filename = `functions/${fn.name}.js`;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${fn.code}\n})`, {
    filename,
    ...(fn.codeCache ? { cachedData: Buffer.from(fn.codeCache) } : {}),
  });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const codeCache = fn.codeCache && !script.cachedDataRejected ? undefined : script.createCachedData();
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, sandboxRequire, module, filename, 'functions');
  let exported = module.exports as unknown;
  if (typeof exported !== 'function' && exported && typeof (exported as { default?: unknown }).default === 'function') exported = (exported as { default: unknown }).default;
  if (typeof exported !== 'function') {
    throw new Error(`${filename} does not export a function (got ${exported === null ? 'null' : typeof exported}); use \`module.exports = async function (context) { ... }\` or \`export default async function (context) { ... }\``);
  }
  return { fn: exported as UserFunction, ...(codeCache ? { codeCache } : {}) };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

async function invoke(message: Extract<HostMessage, { type: 'invoke' }>): Promise<void> {
  let fn = loaded.get(message.fn.hash);
  let freshCache: Uint8Array | undefined;
  const logs: LogLine[] = [];
  if (!fn) {
    if (message.fn.code === undefined) return send({ type: 'missing-code', id: message.id });
    try {
      const compiled = load({ ...message.fn, code: message.fn.code });
      fn = compiled.fn;
      freshCache = compiled.codeCache;
      loaded.set(message.fn.hash, fn);
    } catch (err) {
      return send({ type: 'failed', id: message.id, code: 'FUNCTION_FAILED', message: `Function ${message.fn.name} failed to load: ${errorText(err)}`, logs });
    }
  }
  const userFunction = fn;
  await current.run({ id: message.id, logs }, async () => {
    let result: unknown;
    try {
      const request = buildRequest(message.request);
      const response = { headersSent: false, status: () => response, send: () => console.warn('context.response is not supported; return { status, headers, body } instead'), set: () => response };
      const context = { request, response };
      if (userFunction.length <= 1) {
        result = await (userFunction.length === 0 ? userFunction() : userFunction(context));
      } else {
        result = await new Promise((resolve, reject) => {
          try {
            userFunction(context, (status: unknown, body: unknown, headers: unknown) => resolve({ status, body, headers }));
          } catch (err) {
            reject(err);
          }
        });
      }
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (status === 400) return send({ type: 'result', id: message.id, response: { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from((err as Error).message) }, logs });
      console.error(`Function error: ${errorText(err)}`);
      // Fission answers a thrown error with this exact text; keep the answer the same.
      return send({ type: 'result', id: message.id, response: { status: 500, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from('Internal server error') }, logs });
    }
    try {
      const response = mapResult(result);
      if (response.body.byteLength > message.maxResponseBytes) {
        throw new BadResult(`the response body has ${response.body.byteLength} bytes, more than the ${message.maxResponseBytes}-byte limit`);
      }
      send({ type: 'result', id: message.id, response, logs, ...(freshCache ? { codeCache: freshCache } : {}) });
    } catch (err) {
      const text = err instanceof BadResult ? err.message : `the response could not be sent: ${errorText(err)}`;
      logs.push({ time: new Date().toISOString(), level: 'error', message: text });
      send({ type: 'failed', id: message.id, code: 'FUNCTION_FAILED', message: `Function ${message.fn.name} failed: ${text}`, logs });
    }
  });
}

function check(message: Extract<HostMessage, { type: 'check' }>): void {
  const logs: LogLine[] = [];
  try {
    current.run({ id: message.id, logs }, () => load({ ...message.fn, code: message.fn.code ?? '' }).fn);
    send({ type: 'result', id: message.id, response: { status: 200, headers: {}, body: new Uint8Array(0) }, logs });
  } catch (err) {
    send({ type: 'failed', id: message.id, code: 'FUNCTION_INVALID', message: `Function ${message.fn.name} failed to load: ${errorText(err)}`, logs });
  }
}

// --- one-off server render of a component (verification before a component is accepted) ----------
interface RenderVendor {
  React: { createElement(type: unknown, props: unknown): unknown };
  jsxRuntime: unknown;
  ReactDOM: unknown;
  renderToString(element: unknown): string;
}
let renderVendor: RenderVendor | null = null;

function evaluate(code: string, filename: string, requireFn: (name: string) => unknown): unknown {
  const module = { exports: {} as unknown };
  vm.compileFunction(code, ['exports', 'require', 'module'], { filename })(module.exports, requireFn, module);
  return module.exports;
}

function render(message: Extract<HostMessage, { type: 'render' }>): void {
  const logs: LogLine[] = [];
  current.run({ id: message.id, logs }, () => {
    try {
      if (message.vendor) renderVendor = evaluate(message.vendor, 'tessera-react.js', sandboxRequire) as RenderVendor;
      const vendor = renderVendor;
      if (!vendor) throw new Error('React is not loaded in this sandbox');
      const shared: Record<string, unknown> = { react: vendor.React, 'react/jsx-runtime': vendor.jsxRuntime, 'react/jsx-dev-runtime': vendor.jsxRuntime, 'react-dom': vendor.ReactDOM };
      const file = `frontend/${message.component.name}.tsx`;
      const exported = evaluate(message.component.code, file, (name) => {
        if (name in shared) return shared[name];
        throw new Error(`Cannot find module '${name}'`);
      }) as { default?: unknown };
      const tessera = { params: {}, navigate: () => undefined, reload: () => undefined };
      const html = vendor.renderToString(vendor.React.createElement(exported.default, { ...message.props, tessera }));
      send({ type: 'rendered', id: message.id, html, logs });
    } catch (err) {
      send({ type: 'failed', id: message.id, code: 'RENDER_FAILED', message: errorText(err), logs });
    }
  });
}

process.on('message', (message: HostMessage) => {
  if (message.type === 'invoke') void invoke(message);
  else if (message.type === 'render') render(message);
  else if (message.type === 'check') check(message);
  else if (message.type === 'db-reply') {
    const call = dbCalls.get(message.callId);
    if (!call) return;
    dbCalls.delete(message.callId);
    if (message.ok) call.resolve(message.value);
    else call.reject(new Error(message.message));
  }
});
// A rejected promise nobody awaited must not kill every call of this tenant.
process.on('unhandledRejection', (reason) => console.error(`Unhandled rejection: ${errorText(reason)}`));
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
