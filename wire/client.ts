/**
 * The one client of the control API, for the builder (same origin, its session cookie) and the CLI
 * (a server URL and a bearer token). Routes and their shapes are in wire/api.ts; a failed reply
 * throws an `ApiError` with the server's code, status and message; server-sent streams (the agent's
 * run, a function's log) come back as async iterables. Uses only fetch and web streams, which
 * browsers and Node 20 both have.
 */
import type { AgentEvent } from './agent-events.ts';
import type { AnswerOf, BackupOptions, BodyOf, ParamsOf, RouteName, ToolReply } from './api.ts';
import { isErrorEnvelope, type ErrorDetails } from './errors.ts';
import type { FunctionLogRecord } from './logs.ts';
import { readServerEvents, type ServerEvent } from './sse.ts';

/** A reply the server refused: `code` is from the error catalog (or `HTTP_<status>` when the body was not the error envelope). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: ErrorDetails;

  constructor(code: string, status: number, message: string, details?: ErrorDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    if (details) this.details = details;
  }
}

/** The server could not be reached at all (refused, no route, DNS): nothing was answered. */
export class UnreachableError extends Error {
  readonly baseUrl: string;

  constructor(baseUrl: string, cause: unknown) {
    super(`Cannot reach Tessera at ${baseUrl || 'this origin'} (${cause instanceof Error ? cause.message : String(cause)}).`, { cause });
    this.name = 'UnreachableError';
    this.baseUrl = baseUrl;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

/** What a route needs besides its name: its `:param`s, its body when it takes one, and a query. */
export type RequestOptions<R extends RouteName> = { query?: Query } & (keyof ParamsOf<R> extends never ? { params?: undefined } : { params: ParamsOf<R> }) &
  ([BodyOf<R>] extends [never] ? { body?: undefined } : { body: BodyOf<R> });

/** The options argument may be left out when a route needs nothing. */
type OptionsArg<R extends RouteName> = Record<string, never> extends RequestOptions<R> ? [options?: RequestOptions<R>] : [options: RequestOptions<R>];

export interface ClientOptions {
  /** `http://localhost:3000`; empty for the page's own origin (the builder). */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <token>`; without it, the browser's session cookie (if any) speaks. */
  token?: string;
  fetch?: typeof fetch;
}

export interface Client {
  readonly baseUrl: string;
  request<R extends RouteName>(route: R, ...options: OptionsArg<R>): Promise<AnswerOf<R>>;
  /** Runs one tool as the agent would; a tool's own refusal comes back as `{ ok: false, error }` (to show at its line), not thrown. */
  tool<Result = unknown>(tenant: string, name: string, args: unknown): Promise<ToolReply<Result>>;
  /** Starts an agent run and yields its events as they come; ends after `done`. */
  runAgent(tenant: string, prompt: string): AsyncGenerator<AgentEvent>;
  /** A function's log records: the recent ones, then each new one as it is written, until `signal` aborts. */
  followLogs(tenant: string, fn: string, signal?: AbortSignal): AsyncGenerator<FunctionLogRecord>;
  /** `POST /api/backup`: the platform's backup archive (gzip'd tar) as the server streams it (admins). */
  backup(options: BackupOptions, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

/** `/api/tenants/:id` with `{ id: 'notes' }` -> `/api/tenants/notes` (each value URL-encoded). */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`Missing the route parameter "${name}" of ${path}.`);
    return encodeURIComponent(value);
  });
}

function queryString(query: Query | undefined): string {
  const pairs = Object.entries(query ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  return pairs.length ? `?${new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
}

/** The error a failed reply stands for: the envelope's code and message, else the status and the text. */
async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's page, say): the text is the message.
  }
  if (isErrorEnvelope(body)) return new ApiError(body.error.code, res.status, body.error.message, body.error.details);
  return new ApiError(`HTTP_${res.status}`, res.status, text || res.statusText || `HTTP ${res.status}`);
}

export function createClient(options: ClientOptions = {}): Client {
  const baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};

  async function call(method: string, path: string, body: unknown, extra: { accept?: string; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = {
      ...auth,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(extra.accept ? { accept: extra.accept } : {}),
    };
    try {
      return await send(`${baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(extra.signal ? { signal: extra.signal } : {}),
      });
    } catch (err) {
      if (extra.signal?.aborted) throw err;
      throw new UnreachableError(baseUrl, err);
    }
  }

  async function* events(res: Response): AsyncGenerator<ServerEvent> {
    if (!res.ok || !res.body) throw await errorOf(res);
    yield* readServerEvents(res.body);
  }

  return {
    baseUrl,

    async request(route, ...[opts]) {
      const space = route.indexOf(' ');
      const method = route.slice(0, space);
      const given = (opts ?? {}) as { params?: Record<string, string>; query?: Query; body?: unknown };
      const res = await call(method, `${fillPath(route.slice(space + 1), given.params)}${queryString(given.query)}`, given.body);
      if (!res.ok) throw await errorOf(res);
      if (res.status === 204) return null as never;
      const text = await res.text();
      const json: unknown = text ? JSON.parse(text) : null;
      // A 200 can still carry the envelope (older routes did): it is an error all the same.
      if (isErrorEnvelope(json)) throw new ApiError(json.error.code, res.status, json.error.message, json.error.details);
      return json as never;
    },

    async tool<Result>(tenant: string, name: string, args: unknown): Promise<ToolReply<Result>> {
      const res = await call('POST', fillPath('/api/tenants/:tenant/tools/:name', { tenant, name }), args);
      const body: unknown = await res
        .clone()
        .json()
        .catch(() => null);
      if (
        typeof body === 'object' &&
        body !== null &&
        typeof (body as { ok?: unknown }).ok === 'boolean' &&
        ((body as { ok: boolean }).ok || isErrorEnvelope(body))
      )
        return body as ToolReply<Result>;
      throw await errorOf(res);
    },

    async *runAgent(tenant, prompt) {
      const res = await call('POST', fillPath('/api/tenants/:tenant/agent', { tenant }), { prompt }, { accept: 'text/event-stream' });
      for await (const { data } of events(res)) yield JSON.parse(data) as AgentEvent;
    },

    async backup(backupOptions, signal) {
      const res = await call('POST', '/api/backup', backupOptions, { accept: 'application/gzip', ...(signal ? { signal } : {}) });
      if (!res.ok || !res.body) throw await errorOf(res);
      return res.body;
    },

    async *followLogs(tenant, fn, signal) {
      const res = await call('GET', `${fillPath('/api/tenants/:tenant/functions/:fn/logs', { tenant, fn })}?follow=1`, undefined, {
        accept: 'text/event-stream',
        ...(signal ? { signal } : {}),
      });
      for await (const { event, data } of events(res)) if (event === 'log') yield JSON.parse(data) as FunctionLogRecord;
    },
  };
}
