/**
 * Messages between the platform (host) and a tenant's sandbox process. This file is the only code
 * both sides share; errors cross as plain JSON.
 */

export interface LogLine {
  time: string;
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  message: string;
}

/** The HTTP request as the function should see it. */
export interface SandboxRequest {
  method: string;
  /** Path and query as the function sees them, e.g. "/?a=1". */
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface FunctionCode {
  name: string;
  hash: string;
  /** Sent only the first time a process meets this hash. */
  code?: string;
  /** V8's code cache for this code, made by an earlier process: compiling with it skips parsing. */
  codeCache?: Uint8Array;
}

export type HostMessage =
  | { type: 'invoke'; id: number; fn: FunctionCode; request: SandboxRequest; /** Larger bodies are refused in the sandbox, before they cross IPC. */ maxResponseBytes: number }
  | { type: 'check'; id: number; fn: FunctionCode }
  | { type: 'render'; id: number; vendor?: string; component: { name: string; code: string }; props: Record<string, unknown> }
  | { type: 'db-reply'; callId: number; ok: true; value: unknown }
  | { type: 'db-reply'; callId: number; ok: false; message: string };

export type SandboxMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; response: SandboxResponse; logs: LogLine[]; /** Made on a first compile without a cache. */ codeCache?: Uint8Array }
  | { type: 'rendered'; id: number; html: string; logs: LogLine[] }
  | { type: 'failed'; id: number; code: 'FUNCTION_INVALID' | 'FUNCTION_FAILED' | 'RENDER_FAILED'; message: string; logs: LogLine[] }
  | { type: 'missing-code'; id: number }
  | { type: 'db'; id: number; callId: number; op: 'query' | 'execute'; sql: string; params: unknown };
