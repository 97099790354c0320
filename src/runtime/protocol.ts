/**
 * Messages between the platform (host) and a tenant's sandbox process, and how they travel. This file
 * is the only code both sides share; errors cross as plain data.
 *
 * Transport: length-prefixed `v8.serialize` frames over a pipe on fd 3, not Node's built-in IPC
 * channel. Node's channel buffers and parses a message of any size in the receiving process, so a
 * tenant calling `process.send()` with a few hundred MB could exhaust the platform's memory; here the
 * host reads a frame's length first and stops the sandbox when it is over the limit.
 */
import { deserialize, serialize } from 'node:v8';

/** The file descriptor of the channel in the sandbox process. */
export const CHANNEL_FD = 3;

/** One console line of a function. */
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

/** The HTTP response, as Fission's environment would send it. */
export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Which function to run, and its code when the process has not seen it. */
export interface FunctionCode {
  name: string;
  hash: string;
  /** Sent only the first time a process meets this (name, hash). */
  code?: string;
  /** V8's code cache for this code, made by an earlier process: compiling with it skips parsing. */
  codeCache?: Uint8Array;
}

/** Where a load error points in the function's (bundled) file; 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
  lineText?: string;
}

/** Error codes a sandbox reports (TesseraError codes). */
export type FailureCode = 'FUNCTION_INVALID' | 'FUNCTION_FAILED' | 'FUNCTION_CRASHED' | 'RENDER_FAILED';

/** Platform to sandbox. */
export type HostMessage =
  | {
      type: 'invoke';
      id: number;
      requestId: string;
      fn: FunctionCode;
      request: SandboxRequest;
      /** Larger bodies are refused in the sandbox, before they cross. */
      maxResponseBytes: number;
      /** The tenant's secrets, sent when this process does not have their current version. */
      secrets?: Record<string, string>;
    }
  /** Loads the code afresh (not cached) and reports whether it exports a function. */
  | { type: 'check'; id: number; fn: FunctionCode & { code: string }; secrets?: Record<string, string> }
  | { type: 'fetch-reply'; callId: number; ok: true; status: number; statusText: string; headers: Array<[string, string]>; body: Uint8Array; url: string }
  | { type: 'fetch-reply'; callId: number; ok: false; message: string }
  | { type: 'render'; id: number; vendor?: string; component: { name: string; code: string }; props: Record<string, unknown> }
  | { type: 'db-reply'; callId: number; ok: true; value: unknown }
  | { type: 'db-reply'; callId: number; ok: false; message: string; code?: string };

/** Sandbox to platform: checked on arrival (host/messages.ts), since tenant code can write anything. */
export type SandboxMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; response: SandboxResponse; logs: LogLine[] }
  /**
   * Sent by a fresh process right after its first compile, before any tenant code ran in it: so the
   * platform knows that its first message from a process is always this one, never one tenant code
   * forged. `data`: V8's code cache, when a new one was made. A cache is bytecode V8 does not verify;
   * one made (or claimed) after tenant code ran is never trusted.
   */
  | { type: 'code-cache'; hash: string; data?: Uint8Array }
  | { type: 'loaded'; id: number; logs: LogLine[] }
  | { type: 'rendered'; id: number; html: string; logs: LogLine[] }
  | { type: 'failed'; id: number; code: FailureCode; message: string; logs: LogLine[]; location?: SourceLocation }
  | { type: 'missing-code'; id: number }
  /** Console lines of an invocation that were written after it had answered. */
  | { type: 'late-logs'; fn: string; requestId: string; logs: LogLine[] }
  | { type: 'db'; id: number; callId: number; op: 'query' | 'execute'; sql: string; params: unknown }
  /** An outbound HTTP(S) request of the call `id`, made by the platform's egress proxy if the tenant allows the host. */
  | { type: 'fetch'; id: number; callId: number; url: string; method: string; headers: Array<[string, string]>; body?: Uint8Array };

/** One frame: a 4-byte big-endian length, then the serialized message. Throws for values V8 cannot clone. */
export function encodeFrame(message: HostMessage | SandboxMessage): Buffer {
  const payload = serialize(message);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload], payload.length + 4);
}

/** A frame announced more bytes than the reader accepts. */
export class FrameTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`a message of ${bytes} bytes, over the ${limit}-byte limit`);
  }
}

/** Splits a byte stream into messages. Buffers at most one frame, and never one over the limit. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needed = -1;

  constructor(private readonly maxFrameBytes: number) {}

  /** The messages completed by this chunk, with their sizes. Throws FrameTooLargeError, or V8's error for a malformed frame. */
  push(chunk: Buffer): Array<{ message: unknown; bytes: number }> {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: Array<{ message: unknown; bytes: number }> = [];
    for (;;) {
      if (this.needed < 0) {
        if (this.buffered < 4) break;
        this.needed = this.take(4).readUInt32BE(0);
        if (this.needed > this.maxFrameBytes) throw new FrameTooLargeError(this.needed, this.maxFrameBytes);
      }
      if (this.buffered < this.needed) break;
      const payload = this.take(this.needed);
      this.needed = -1;
      messages.push({ message: deserialize(payload), bytes: payload.length });
    }
    return messages;
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = all.length > bytes ? [all.subarray(bytes)] : [];
    this.buffered -= bytes;
    return all.subarray(0, bytes);
  }
}
