import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TesseraError } from '../../errors.ts';
import { type AppMailer, sendFunctionMail } from '../../email/index.ts';
import type { Logger } from '../../log.ts';
import type { LogLine, SandboxUser } from '../protocol.ts';
import { checkSandboxResponse } from './response-check.ts';
import { FunctionLogStore, type FunctionLogRecord, type FunctionMetrics } from './function-logs.ts';
import { SandboxPool, type SandboxSettings } from './pool.ts';
import { detectIsolation, type Isolation } from './sandbox-process.ts';
import { TenantSandbox, type CodeCacheStore, type DatabaseKind, type EgressReply, type EgressRequest, type TenantDbAccess } from './tenant-sandbox.ts';

/** An HTTP request for a function. */
export interface FunctionRequest {
  method: string;
  /** Path + query as the function sees it: "/" + query for a plain route, as Fission's router forwards it, e.g. "/?a=1". */
  url: string;
  /** Lowercase names. */
  headers: Record<string, string>;
  /** Raw; parsed inside the sandbox as Fission's body parsers would. */
  body: Buffer;
  /** The app's signed-in user, resolved by the platform from the app session (`@tessera/auth`); none: nobody. */
  user?: SandboxUser | null;
  /** Whose data the call uses: the live origin's calls the live database, the draft origin's and the agent's the draft one. */
  database: DatabaseKind;
}
/** The function's HTTP response, or the platform's JSON error in its place. */
export interface FunctionResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}
/** One call's outcome. */
export interface InvocationResult {
  response: FunctionResponse;
  /** The function's console lines of this call. */
  logs: LogLine[];
  durationMs: number;
  /** Ties this call's records in `logs()` together. */
  requestId: string;
}
/** A function as the bundler made it. */
export interface FunctionSource {
  name: string;
  /** One CommonJS file (bundler output). */
  code: string;
  hash: string;
}
/** Per-call and per-process limits (config.ts `functions`). */
export interface RuntimeLimits {
  /** Wall-clock limit of one call; past it the tenant's process is killed (504). */
  timeoutMs: number;
  /** V8 heap limit of a tenant's process. */
  memoryMb: number;
  /** Larger response bodies are refused (502). */
  maxResponseBytes: number;
  /** Larger request bodies are refused before the function runs (413). Default 1 MB, as Fission's body parser. */
  maxRequestBytes?: number;
  /** Calls of one tenant in flight at once; more are answered 429. Default 32. */
  concurrency?: number;
}
export type { DatabaseKind, TenantDbAccess };

/** Runs tenant functions. The embedded implementation: one sandboxed process per tenant. */
export interface FunctionRuntime {
  /** Calls a function; every failure (time limit, crash, bad reply) comes back as an HTTP response with a JSON error body. */
  invoke(tenant: string, fn: FunctionSource, request: FunctionRequest): Promise<InvocationResult>;
  /**
   * Loads the function afresh in the tenant's sandbox and checks that it exports a function; throws
   * FUNCTION_INVALID (with line and column where known) otherwise. With a sample request, then calls it.
   */
  check(tenant: string, fn: FunctionSource, sample?: FunctionRequest): Promise<{ invoked?: InvocationResult }>;
  /** Renders a component once in the tenant's sandbox (React renderToString); RENDER_FAILED if it throws. */
  render(tenant: string, component: { name: string; code: string }, props: Record<string, unknown>): Promise<{ html: string; logs: LogLine[] }>;
  /** Log records of a tenant's functions (one function, or all), after `since`, oldest first. */
  logs(tenant: string, options?: { function?: string; since?: number; limit?: number }): FunctionLogRecord[];
  /** Calls `listener` with every new log record of the tenant until the returned function is called. */
  followLogs(tenant: string, listener: (record: FunctionLogRecord) => void): () => void;
  /** Invocations, errors, p50/p99 duration and the last error of a function. */
  metrics(tenant: string, fnName: string): FunctionMetrics;
  /** Stops the tenant's process and forgets its logs. */
  stopTenant(tenant: string): Promise<void>;
  /** Whether V8's code cache of a function (by bundle hash, for any tenant) is kept for later processes. */
  hasCodeCache(hash: string): boolean;
  /** How tenant code is contained on this machine: 'bubblewrap', or 'process' where it cannot run. */
  isolation(): Promise<Isolation>;
  close(): Promise<void>;
}

function errorResponse(error: TesseraError): FunctionResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify({ error: { code: error.code, message: error.message } })),
  };
}

/** Code caches by key (tenant + bundle hash), oldest dropped first past a byte budget. */
function createCodeCacheStore(budgetBytes: number): CodeCacheStore & { keys(): IterableIterator<string> } {
  const caches = new Map<string, Uint8Array>();
  let bytes = 0;
  return {
    get: (key) => caches.get(key),
    keys: () => caches.keys(),
    set(key, cache) {
      bytes -= caches.get(key)?.byteLength ?? 0;
      caches.delete(key);
      caches.set(key, cache);
      bytes += cache.byteLength;
      for (const [oldest, value] of caches) {
        if (bytes <= budgetBytes) break;
        caches.delete(oldest);
        bytes -= value.byteLength;
      }
    },
  };
}

/**
 * The embedded runtime: each tenant's functions in a sandboxed Node process of its own (see
 * spawnSandbox), started on its first call, kept warm, stopped after `idleMs` without calls.
 *
 * @example
 * const runtime = createLocalRuntime({ dataDir, db: (tenant) => pool.get(tenant), limits: { timeoutMs: 10_000, memoryMb: 128, maxResponseBytes: 6 << 20 } });
 * const { response } = await runtime.invoke('notes', { name: 'hello', code, hash }, { method: 'GET', url: '/?name=ada', headers: {}, body: Buffer.alloc(0) });
 */
export function createLocalRuntime(options: {
  dataDir: string;
  logger?: Logger;
  limits: RuntimeLimits;
  db: (tenant: string, kind: DatabaseKind) => TenantDbAccess;
  /** React + renderToString as one CommonJS file, for render(); see bundler's buildServerRenderVendor. */
  renderVendor?: () => Promise<string>;
  /** Default 5 minutes. */
  idleMs?: number;
  /** Sandboxes kept started ahead of need (0: none). */
  warmPool?: number;
  /** 'process' skips bubblewrap even where it works (tests of the permission-model-only path). */
  isolation?: 'auto' | 'process';
  /** A tenant's secrets for `@tessera/secrets` (and for masking them in what the owner sees). */
  secrets?: (tenant: string) => Promise<{ version: string; values: Readonly<Record<string, string>> }>;
  /** Makes functions' outbound requests (fetch); none: all refused. */
  egress?: { request(tenant: string, request: EgressRequest, log: (level: 'info' | 'warn', message: string) => void): Promise<EgressReply> };
  /** Sends functions' mail (`@tessera/email`): checks it, records it in the app's outbox, and sends it by the app's SMTP server if it has one. */
  email?: Pick<AppMailer, 'send'>;
  /** Replaces secret values in text (see secrets/maskSecrets). */
  mask?: (text: string, values: Readonly<Record<string, string>>) => string;
}): FunctionRuntime {
  const { limits } = options;
  const maxRequestBytes = limits.maxRequestBytes ?? 1024 * 1024;
  // Room for the body plus logs, headers and a code cache; the bound on what a sandbox can make the platform buffer.
  const settings: SandboxSettings = {
    scratchDir: path.join(options.dataDir, 'run'),
    memoryMb: limits.memoryMb,
    maxFrameBytes: limits.maxResponseBytes + 32 * 1024 * 1024,
    maxBodyBytes: limits.maxResponseBytes,
    isolation: options.isolation ?? 'auto',
  };
  const pool = (options.warmPool ?? 0) > 0 ? new SandboxPool(options.warmPool!, settings) : undefined;
  const sandboxes = new Map<string, TenantSandbox>();
  const store = new FunctionLogStore();
  const codeCaches = createCodeCacheStore(64 * 1024 * 1024);
  const isolation = options.isolation === 'process' ? Promise.resolve<Isolation>('process') : detectIsolation();
  // A code cache is bytecode V8 trusts: it is kept per tenant, and reused only where bubblewrap contains
  // a process that might misuse it (under the permission model alone, native code would be out).
  let reuseCodeCaches = false;
  void isolation.then((found) => (reuseCodeCaches = found === 'bubblewrap'));
  const tenantCodeCaches = (tenant: string): CodeCacheStore => ({
    get: (hash) => (reuseCodeCaches ? codeCaches.get(`${tenant}\0${hash}`) : undefined),
    set: (hash, data) => void (reuseCodeCaches && codeCaches.set(`${tenant}\0${hash}`, data)),
  });
  const inFlight = new Map<string, number>();
  // The newest secret values seen per tenant: what a function prints or throws is masked with them.
  const knownSecrets = new Map<string, Readonly<Record<string, string>>>();
  const secretsOf = options.secrets
    ? async (tenant: string) => {
        const secrets = await options.secrets!(tenant);
        knownSecrets.set(tenant, secrets.values);
        return secrets;
      }
    : undefined;
  const masked = (tenant: string, text: string): string => {
    const values = knownSecrets.get(tenant);
    return values && options.mask ? options.mask(text, values) : text;
  };
  const consoleLines = (tenant: string, fn: string, requestId: string, lines: LogLine[]): void => {
    for (const line of lines)
      store.add(tenant, { time: line.time, requestId, function: fn, source: 'console', level: line.level, message: masked(tenant, line.message) });
  };
  const sandboxOf = (tenant: string): TenantSandbox => {
    let sandbox = sandboxes.get(tenant);
    if (!sandbox) {
      const onLateLogs = (fn: string, requestId: string, lines: LogLine[]) => consoleLines(tenant, fn, requestId, lines);
      const egress = options.egress;
      const mailer = options.email;
      sandbox = new TenantSandbox(tenant, {
        settings,
        timeoutMs: limits.timeoutMs,
        db: (kind) => options.db(tenant, kind),
        idleMs: options.idleMs ?? 5 * 60_000,
        pool,
        logger: options.logger,
        onLateLogs,
        codeCaches: tenantCodeCaches(tenant),
        ...(secretsOf ? { secrets: () => secretsOf(tenant) } : {}),
        ...(egress
          ? { egress: (call, request) => egress.request(tenant, request, (level, message) => platformLine(tenant, call.fn, call.requestId, level, message)) }
          : {}),
        ...(mailer
          ? {
              email: (call, mail) =>
                sendFunctionMail(mailer, tenant, mail, (level, message) => platformLine(tenant, call.fn, call.requestId, level, masked(tenant, message))),
            }
          : {}),
      });
      sandboxes.set(tenant, sandbox);
    }
    return sandbox;
  };
  const platformLine = (
    tenant: string,
    fn: string,
    requestId: string,
    level: LogLine['level'],
    message: string,
    extra: Partial<FunctionLogRecord> = {},
  ): void => {
    store.add(tenant, { time: new Date().toISOString(), requestId, function: fn, source: 'platform', level, message: masked(tenant, message), ...extra });
  };

  async function run(
    tenant: string,
    fn: FunctionSource,
    request: FunctionRequest,
    requestId: string,
  ): Promise<{ response: FunctionResponse; logs: LogLine[] }> {
    if (request.body.length > maxRequestBytes) {
      return {
        response: errorResponse(
          new TesseraError('PAYLOAD_TOO_LARGE', `The request body has ${request.body.length} bytes, more than the ${maxRequestBytes}-byte limit of functions.`),
        ),
        logs: [],
      };
    }
    const call = {
      requestId,
      request: { method: request.method, url: request.url, headers: request.headers, body: request.body },
      user: request.user ?? null,
      maxResponseBytes: limits.maxResponseBytes,
    };
    const outcome = await sandboxOf(tenant).invoke(fn, call, request.database);
    if (!outcome.ok) {
      consoleLines(tenant, fn.name, requestId, outcome.logs);
      // A thrown error can carry a secret: masked for the owner's logs, the platform's log and the caller alike.
      const error = new TesseraError(
        outcome.error.code,
        masked(tenant, outcome.error.message),
        outcome.error.details ? { details: outcome.error.details } : {},
      );
      platformLine(tenant, fn.name, requestId, 'error', error.message);
      options.logger?.warn({ tenant, function: fn.name, code: error.code }, error.message);
      return { response: errorResponse(error), logs: outcome.logs.map((line) => ({ ...line, message: masked(tenant, line.message) })) };
    }
    if (outcome.answer.kind !== 'result')
      return {
        response: errorResponse(new TesseraError('INTERNAL', `Function ${fn.name}: the sandbox answered "${outcome.answer.kind}" to a call.`)),
        logs: [],
      };
    const { response } = outcome.answer;
    const logs = outcome.answer.logs.map((line) => ({ ...line, message: masked(tenant, line.message) }));
    consoleLines(tenant, fn.name, requestId, logs);
    // Checked in the sandbox already; checked again here because the sandbox runs tenant code.
    let checked: FunctionResponse;
    try {
      checked = checkSandboxResponse(response, request.method, fn.name);
    } catch (err) {
      const error = err as TesseraError;
      platformLine(tenant, fn.name, requestId, 'error', error.message);
      options.logger?.warn({ tenant, function: fn.name, code: error.code }, error.message);
      return { response: errorResponse(error), logs };
    }
    const { body } = checked;
    if (body.length > limits.maxResponseBytes) {
      const error = new TesseraError(
        'FUNCTION_CRASHED',
        `Function ${fn.name}: the response body has ${body.length} bytes, more than the ${limits.maxResponseBytes}-byte limit.`,
      );
      platformLine(tenant, fn.name, requestId, 'error', error.message);
      return { response: errorResponse(error), logs };
    }
    return { response: checked, logs };
  }

  const runtime: FunctionRuntime = {
    async invoke(tenant, fn, request) {
      const requestId = randomUUID().slice(0, 8);
      const started = performance.now();
      const limit = limits.concurrency ?? 32;
      const busy = inFlight.get(tenant) ?? 0;
      if (busy >= limit) {
        const error = new TesseraError('FUNCTION_BUSY', `This app already has ${busy} function calls in flight (the limit is ${limit}); try again shortly.`);
        platformLine(tenant, fn.name, requestId, 'warn', error.message);
        return { response: errorResponse(error), logs: [], durationMs: 0, requestId };
      }
      inFlight.set(tenant, busy + 1);
      platformLine(tenant, fn.name, requestId, 'info', `start ${request.method} ${request.url}`);
      let result: { response: FunctionResponse; logs: LogLine[] };
      try {
        result = await run(tenant, fn, request, requestId);
      } finally {
        inFlight.set(tenant, (inFlight.get(tenant) ?? 1) - 1);
      }
      const durationMs = performance.now() - started;
      const ms = Math.round(durationMs * 10) / 10;
      const { status, body } = result.response;
      platformLine(tenant, fn.name, requestId, status >= 500 ? 'error' : 'info', `end ${status} in ${ms} ms`, { status, durationMs: ms });
      store.count(tenant, fn.name, status, durationMs, status >= 500 ? body.toString('utf8').slice(0, 500) : '');
      return { ...result, durationMs, requestId };
    },
    async check(tenant, fn, sample) {
      const outcome = await sandboxOf(tenant).check(fn);
      if (!outcome.ok) {
        const { error } = outcome;
        const details = error.details ? { details: error.details } : {};
        throw error.code === 'FUNCTION_INVALID'
          ? error
          : new TesseraError('FUNCTION_INVALID', `Function ${fn.name} could not be loaded: ${error.message}`, details);
      }
      return sample ? { invoked: await runtime.invoke(tenant, fn, sample) } : {};
    },
    async render(tenant, component, props) {
      if (!options.renderVendor) throw new TesseraError('RUNTIME_UNAVAILABLE', 'This runtime was started without React for server rendering.');
      const outcome = await sandboxOf(tenant).render(component, props, await options.renderVendor());
      if (!outcome.ok)
        throw outcome.error.code === 'RENDER_FAILED'
          ? outcome.error
          : new TesseraError('RENDER_FAILED', `Rendering ${component.name} failed: ${outcome.error.message}`);
      return { html: outcome.answer.kind === 'rendered' ? outcome.answer.html : '', logs: outcome.answer.kind === 'rendered' ? outcome.answer.logs : [] };
    },
    logs: (tenant, query) => store.query(tenant, query),
    followLogs: (tenant, listener) => store.subscribe(tenant, listener),
    metrics: (tenant, fnName) => store.metricsOf(tenant, fnName),
    isolation: () => isolation,
    hasCodeCache: (hash) => [...codeCaches.keys()].some((key) => key.endsWith(`\0${hash}`)),
    async stopTenant(tenant) {
      await sandboxes.get(tenant)?.stop('The app was stopped.');
      sandboxes.delete(tenant);
      store.forget(tenant);
    },
    async close() {
      pool?.close();
      await Promise.all([...sandboxes.values()].map((sandbox) => sandbox.stop('The platform is shutting down.')));
      sandboxes.clear();
    },
  };
  return runtime;
}
