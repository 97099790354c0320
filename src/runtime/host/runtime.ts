import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TesseraError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { HostMessage, LogLine, SandboxMessage, SandboxRequest, SandboxResponse } from '../protocol.ts';
import { randomUUID } from 'node:crypto';
import { FunctionLogStore, type FunctionLogRecord, type FunctionMetrics } from './function-logs.ts';
import { SandboxPool, startReadySandbox } from './pool.ts';
import { detectIsolation, type Isolation } from './sandbox-process.ts';

export interface FunctionRequest {
  method: string;
  /** Path + query as the function sees it, e.g. "/?a=1". */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}
export interface FunctionResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}
export interface InvocationResult {
  response: FunctionResponse;
  logs: LogLine[];
  durationMs: number;
  requestId: string;
}
export interface TenantDbAccess {
  query(sql: string, params?: never): Promise<unknown>;
  execute(sql: string, params?: never): Promise<unknown>;
}
export interface FunctionSource {
  name: string;
  /** One CommonJS file (bundler output). */
  code: string;
  hash: string;
}
export interface RuntimeLimits {
  timeoutMs: number;
  memoryMb: number;
  maxResponseBytes: number;
  /** Calls of one tenant in flight at once; more are answered 429. */
  concurrency?: number;
}

/** Runs tenant functions. The embedded implementation: one sandboxed process per tenant. */
export interface FunctionRuntime {
  invoke(tenant: string, fn: FunctionSource, request: FunctionRequest): Promise<InvocationResult>;
  /** Loads the function in the tenant's sandbox and checks it exports a function; FUNCTION_INVALID otherwise. */
  check(tenant: string, fn: FunctionSource): Promise<void>;
  /** Renders a component once in the tenant's sandbox (React renderToString); RENDER_FAILED if it throws. */
  render(tenant: string, component: { name: string; code: string }, props: Record<string, unknown>): Promise<{ html: string; logs: LogLine[] }>;
  /** Structured log records of a tenant's functions (one function, or all), after `since`. */
  logs(tenant: string, options?: { function?: string; since?: number; limit?: number }): FunctionLogRecord[];
  /** Calls `listener` with every new log record of the tenant until the returned function is called. */
  followLogs(tenant: string, listener: (record: FunctionLogRecord) => void): () => void;
  /** Invocations, errors, p50/p99 duration and the last error of a function. */
  metrics(tenant: string, fnName: string): FunctionMetrics;
  stopTenant(tenant: string): Promise<void>;
  /** Whether V8's code cache of a function (by bundle hash) is kept for later processes. */
  hasCodeCache(hash: string): boolean;
  /** How tenant code is contained on this machine: 'bubblewrap', or 'process' where it cannot run. */
  isolation(): Promise<Isolation>;
  close(): Promise<void>;
}

type Answer = { response?: SandboxResponse; html?: string; logs: LogLine[]; codeCache?: Uint8Array };
type Pending = { fnName: string; child: ChildProcess; resolve(result: Answer | TesseraError): void; timer: NodeJS.Timeout };

function errorResponse(error: TesseraError): FunctionResponse {
  return { status: error.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify({ error: { code: error.code, message: error.message } })) };
}

/** One tenant's sandbox process and the invocations in flight in it. */
class TenantSandbox {
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private readonly pending = new Map<number, Pending>();
  /** Which function bundles and whether React were already sent to each process. */
  private readonly sentHashes = new WeakMap<ChildProcess, Set<string>>();
  private readonly vendorSent = new WeakSet<ChildProcess>();
  private idleTimer: NodeJS.Timeout | null = null;
  private nextId = 1;

  constructor(
    private readonly tenant: string,
    private readonly options: { dataDir: string; limits: RuntimeLimits; db: TenantDbAccess; logger?: Logger; idleMs: number; pool?: SandboxPool; codeCaches?: Map<string, Uint8Array> },
  ) {}

  private async process(): Promise<ChildProcess> {
    if (this.child) return this.child;
    this.starting ??= this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  private async start(): Promise<ChildProcess> {
    const child = this.options.pool?.take() ?? (await startReadySandbox({ scratchDir: path.join(this.options.dataDir, 'run'), memoryMb: this.options.limits.memoryMb }));
    const log = (stream: string) => (chunk: Buffer) => this.options.logger?.debug({ tenant: this.tenant, stream }, chunk.toString().trim().slice(0, 2000));
    child.stdout?.on('data', log('stdout'));
    child.stderr?.on('data', log('stderr'));
    child.on('message', (message: SandboxMessage) => this.onMessage(child, message));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    if (child.exitCode !== null || child.signalCode !== null) throw new TesseraError('RUNTIME_UNAVAILABLE', `The function process of "${this.tenant}" stopped before its first call.`);
    this.child = child;
    return child;
  }

  private onMessage(child: ChildProcess, message: SandboxMessage): void {
    if (message.type === 'db') {
      // Only a call in flight may touch the database.
      if (!this.pending.has(message.id)) return;
      const access = this.options.db;
      const reply = (m: HostMessage): void => {
        if (child.connected) child.send(m);
      };
      (message.op === 'query' ? access.query(message.sql, message.params as never) : access.execute(message.sql, message.params as never)).then(
        (value) => reply({ type: 'db-reply', callId: message.callId, ok: true, value }),
        (err: Error) => reply({ type: 'db-reply', callId: message.callId, ok: false, message: err.message }),
      );
      return;
    }
    if (message.type === 'ready') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'missing-code') return pending.resolve(new TesseraError('INTERNAL', 'sandbox lost the function code'));
    if (message.type === 'result') return pending.resolve({ response: message.response, logs: message.logs, codeCache: message.codeCache });
    if (message.type === 'rendered') return pending.resolve({ html: message.html, logs: message.logs });
    const error = new TesseraError(message.code, message.message);
    pending.resolve(Object.assign(error, { logs: message.logs }));
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.child = null;
    const cause = signal === 'SIGABRT' || code === 134 ? 'ran out of memory' : `stopped (${signal ?? `exit code ${code}`})`;
    for (const [id, pending] of this.pending) {
      // A killed process's exit can arrive after the next call started on a fresh one: only its own calls end.
      if (pending.child !== child) continue;
      this.pending.delete(id);
      pending.resolve(new TesseraError('FUNCTION_CRASHED', `The function process of this app ${cause} during: ${pending.fnName}; it did not complete.`));
    }
  }

  private kill(child: ChildProcess): void {
    if (this.child === child) this.child = null;
    child.kill('SIGKILL');
  }

  /** Sends one message built for a fresh id and waits for its answer, the time limit, or a crash. */
  async request(label: string, build: (id: number, child: ChildProcess) => HostMessage): Promise<Answer | TesseraError> {
    const child = await this.process();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const id = this.nextId++;
    const result = await new Promise<Answer | TesseraError>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(new TesseraError('FUNCTION_TIMEOUT', `${label} exceeded its ${this.options.limits.timeoutMs / 1000} s limit and was stopped.`));
        // The only way to stop a busy loop is to stop the process; its other calls end as crashed.
        this.kill(child);
      }, this.options.limits.timeoutMs);
      this.pending.set(id, { fnName: label, child, timer, resolve: (value) => { clearTimeout(timer); this.pending.delete(id); resolve(value); } });
      child.send(build(id, child));
    });
    this.idleTimer = setTimeout(() => void this.stop(), this.options.idleMs);
    this.idleTimer.unref();
    return result;
  }

  async invoke(fn: FunctionSource, request: SandboxRequest): Promise<Answer | TesseraError> {
    let sentTo: ChildProcess | null = null;
    const result = await this.request(`Function ${fn.name}`, (id, child) => {
      const known = this.sentHashes.get(child)?.has(fn.hash);
      sentTo = child;
      const codeCache = known ? undefined : this.options.codeCaches?.get(fn.hash);
      return { type: 'invoke', id, fn: { name: fn.name, hash: fn.hash, code: known ? undefined : fn.code, ...(codeCache ? { codeCache } : {}) }, request, maxResponseBytes: this.options.limits.maxResponseBytes };
    });
    // V8's code cache from the first compile serves every later process (cold starts skip parsing).
    if (!(result instanceof TesseraError) && result.codeCache) this.options.codeCaches?.set(fn.hash, result.codeCache);
    if (sentTo && !(result instanceof TesseraError)) {
      const hashes = this.sentHashes.get(sentTo) ?? new Set<string>();
      hashes.add(fn.hash);
      this.sentHashes.set(sentTo, hashes);
    }
    return result;
  }

  check(fn: FunctionSource): Promise<Answer | TesseraError> {
    return this.request(`Loading function ${fn.name}`, (id) => ({ type: 'check', id, fn: { name: fn.name, hash: fn.hash, code: fn.code } }));
  }

  render(component: { name: string; code: string }, props: Record<string, unknown>, vendor: string): Promise<Answer | TesseraError> {
    return this.request(`Rendering component ${component.name}`, (id, child) => {
      const first = !this.vendorSent.has(child);
      this.vendorSent.add(child);
      return { type: 'render', id, component, props, ...(first ? { vendor } : {}) };
    });
  }

  async stop(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const child = this.child ?? (await this.starting?.catch(() => null)) ?? null;
    if (!child) return;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      this.kill(child);
    });
  }
}

/** The embedded runtime: each tenant's functions in a sandboxed Node process of their own. */
export function createLocalRuntime(options: {
  dataDir: string;
  logger?: Logger;
  limits: RuntimeLimits;
  db: (tenant: string) => TenantDbAccess;
  /** React + renderToString as one CommonJS file, for render(); see bundler's buildServerRenderVendor. */
  renderVendor?: () => Promise<string>;
  idleMs?: number;
  /** Sandboxes kept started ahead of need (0: none). */
  warmPool?: number;
}): FunctionRuntime {
  const pool = (options.warmPool ?? 0) > 0 ? new SandboxPool(options.warmPool!, { scratchDir: path.join(options.dataDir, 'run'), memoryMb: options.limits.memoryMb }) : undefined;
  const sandboxes = new Map<string, TenantSandbox>();
  const store = new FunctionLogStore();
  const codeCaches = new Map<string, Uint8Array>();
  const inFlight = new Map<string, number>();
  const sandboxOf = (tenant: string): TenantSandbox => {
    let sandbox = sandboxes.get(tenant);
    if (!sandbox) {
      sandbox = new TenantSandbox(tenant, { dataDir: options.dataDir, limits: options.limits, db: options.db(tenant), logger: options.logger, idleMs: options.idleMs ?? 5 * 60_000, pool, codeCaches });
      sandboxes.set(tenant, sandbox);
    }
    return sandbox;
  };
  const platformLine = (tenant: string, fn: string, requestId: string, level: LogLine['level'], message: string, extra: Partial<FunctionLogRecord> = {}): void => {
    store.add(tenant, { time: new Date().toISOString(), requestId, function: fn, source: 'platform', level, message, ...extra });
  };
  const consoleLines = (tenant: string, fn: string, requestId: string, lines: LogLine[]): void => {
    for (const line of lines) store.add(tenant, { time: line.time, requestId, function: fn, source: 'console', level: line.level, message: line.message });
  };

  return {
    async invoke(tenant, fn, request) {
      const requestId = randomUUID().slice(0, 8);
      const started = performance.now();
      const limit = options.limits.concurrency ?? 32;
      const busy = inFlight.get(tenant) ?? 0;
      if (busy >= limit) {
        const error = new TesseraError('FUNCTION_BUSY', `This app already has ${busy} function calls in flight (the limit is ${limit}); try again shortly.`);
        platformLine(tenant, fn.name, requestId, 'warn', error.message);
        return { response: errorResponse(error), logs: [], durationMs: 0, requestId };
      }
      inFlight.set(tenant, busy + 1);
      platformLine(tenant, fn.name, requestId, 'info', `start ${request.method} ${request.url}`);
      let response: FunctionResponse;
      let logs: LogLine[];
      try {
        const result = await sandboxOf(tenant).invoke(fn, { method: request.method, url: request.url, headers: request.headers, body: request.body });
        if (result instanceof TesseraError) {
          logs = (result as { logs?: LogLine[] }).logs ?? [];
          consoleLines(tenant, fn.name, requestId, logs);
          platformLine(tenant, fn.name, requestId, 'error', result.message);
          options.logger?.warn({ tenant, function: fn.name, code: result.code }, result.message);
          response = errorResponse(result);
        } else {
          logs = result.logs;
          consoleLines(tenant, fn.name, requestId, logs);
          const body = Buffer.from(result.response!.body);
          if (body.length > options.limits.maxResponseBytes) {
            const error = new TesseraError('FUNCTION_CRASHED', `Function ${fn.name} returned ${body.length} bytes, more than the ${options.limits.maxResponseBytes}-byte limit.`);
            platformLine(tenant, fn.name, requestId, 'error', error.message);
            response = errorResponse(error);
          } else {
            response = { status: result.response!.status, headers: result.response!.headers, body };
          }
        }
      } finally {
        inFlight.set(tenant, (inFlight.get(tenant) ?? 1) - 1);
      }
      const durationMs = performance.now() - started;
      const ms = Math.round(durationMs * 10) / 10;
      platformLine(tenant, fn.name, requestId, response.status >= 500 ? 'error' : 'info', `end ${response.status} in ${ms} ms`, { status: response.status, durationMs: ms });
      store.count(tenant, fn.name, response.status, durationMs, response.status >= 500 ? response.body.toString('utf8').slice(0, 500) : '');
      return { response, logs, durationMs, requestId };
    },
    async check(tenant, fn) {
      const result = await sandboxOf(tenant).check(fn);
      if (result instanceof TesseraError) {
        throw result.code === 'FUNCTION_INVALID' ? result : new TesseraError('FUNCTION_INVALID', `Function ${fn.name} could not be loaded: ${result.message}`);
      }
    },
    async render(tenant, component, props) {
      if (!options.renderVendor) throw new TesseraError('RUNTIME_UNAVAILABLE', 'This runtime was started without React for server rendering.');
      const result = await sandboxOf(tenant).render(component, props, await options.renderVendor());
      if (result instanceof TesseraError) {
        throw result.code === 'RENDER_FAILED' ? result : new TesseraError('RENDER_FAILED', `Rendering ${component.name} failed: ${result.message}`);
      }
      return { html: result.html ?? '', logs: result.logs };
    },
    logs: (tenant, query) => store.query(tenant, query),
    followLogs: (tenant, listener) => store.subscribe(tenant, listener),
    metrics: (tenant, fnName) => store.metricsOf(tenant, fnName),
    isolation: detectIsolation,
    hasCodeCache: (hash) => codeCaches.has(hash),
    async stopTenant(tenant) {
      await sandboxes.get(tenant)?.stop();
      sandboxes.delete(tenant);
      store.forget(tenant);
    },
    async close() {
      pool?.close();
      await Promise.all([...sandboxes.values()].map((sandbox) => sandbox.stop()));
      sandboxes.clear();
    },
  };
}
