/**
 * Messages between the platform (host) and a tenant's sandbox process, and how they travel. This file
 * is the only code both sides share; errors cross as plain data.
 *
 * Transport: length-prefixed frames over a pipe on fd 3, not Node's built-in IPC channel. Node's
 * channel buffers and parses a message of any size in the receiving process, so a tenant calling
 * `process.send()` with a few hundred MB could exhaust the platform's memory; here the host reads a
 * frame's length and type first and stops the sandbox when it is over that type's limit. Host to
 * sandbox: `v8.serialize`. Sandbox to host: wire.ts's typed layout, whose every field is checked
 * before it is decoded (V8's format cannot be checked before it is decoded, and costs seconds for a
 * frame of millions of empty objects).
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

/** The app's signed-in user of a call, as `@tessera/auth` gives it; the platform resolved it from the session cookie. */
export interface SandboxUser {
  id: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
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
      /** Who is signed in to the app for this call (`@tessera/auth`), or null; never taken from the request itself. */
      user: SandboxUser | null;
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
  | { type: 'email-reply'; callId: number; ok: true; mailId: string }
  | { type: 'email-reply'; callId: number; ok: false; message: string; code: string }
  | { type: 'db-reply'; callId: number; ok: true; value: unknown }
  | { type: 'db-reply'; callId: number; ok: false; message: string; code?: string };

/** Sandbox to platform: encoded and checked field by field (wire.ts), since tenant code can write anything. */
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
  | { type: 'fetch'; id: number; callId: number; url: string; method: string; headers: Array<[string, string]>; body?: Uint8Array }
  /** A mail of the call `id` (`@tessera/email`): its argument as JSON, checked and sent (or kept in the outbox) by the platform. */
  | { type: 'email'; id: number; callId: number; mail: string };

/** One host-to-sandbox frame: a 4-byte big-endian length, then the serialized message (the sandbox trusts the platform). Throws for values V8 cannot clone. */
export function encodeHostFrame(message: HostMessage): Buffer {
  const payload = serialize(message);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload], payload.length + 4);
}

/** Decodes a host-to-sandbox frame's payload (in the sandbox). */
export function decodeHostFrame(payload: Buffer): HostMessage {
  return deserialize(payload) as HostMessage;
}

/** How much of a large frame is checked before the rest is buffered (see FrameReader's `checkStart`). */
const START_BYTES = 128 * 1024;

/** A frame announced more bytes than the reader accepts. */
export class FrameTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`a message of ${bytes} bytes, over the ${limit}-byte limit`);
  }
}

/**
 * Splits a byte stream into frames' payloads (without their length). Buffers at most one frame, and
 * never one over the limit: the overall one as soon as the length arrives, and, with `typeLimits`
 * (keyed by a payload's first byte, its type; see wire.ts), that type's own as soon as its first byte does.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needed = -1;
  private typeChecked = false;
  private startChecked = false;

  /**
   * `checkStart`: called once for a frame larger than START_BYTES, with its first START_BYTES, before
   * the rest is buffered (it throws to refuse the frame).
   */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly typeLimits?: ReadonlyMap<number, number>,
    private readonly checkStart?: (start: Buffer) => void,
  ) {}

  /** The payloads completed by this chunk. Throws FrameTooLargeError, or an Error for a type `typeLimits` does not know. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) this.chunks.push(chunk);
    this.buffered += chunk.length;
    const payloads: Buffer[] = [];
    for (;;) {
      if (this.needed < 0) {
        if (this.buffered < 4) break;
        this.needed = this.take(4).readUInt32BE(0);
        this.typeChecked = !this.typeLimits;
        this.startChecked = !this.checkStart || this.needed <= START_BYTES;
        if (this.needed > this.maxFrameBytes) throw new FrameTooLargeError(this.needed, this.maxFrameBytes);
      }
      if (!this.typeChecked && this.buffered > 0 && this.needed > 0) {
        const type = this.chunks[0]![0]!;
        const limit = this.typeLimits!.get(type);
        if (limit === undefined) throw new Error(`a message of unknown type ${type}`);
        if (this.needed > limit) throw new FrameTooLargeError(this.needed, limit);
        this.typeChecked = true;
      }
      if (!this.startChecked && this.buffered >= START_BYTES) {
        if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
        this.checkStart!(this.chunks[0]!.subarray(0, START_BYTES));
        this.startChecked = true;
      }
      if (this.buffered < this.needed) break;
      payloads.push(this.take(this.needed));
      this.needed = -1;
    }
    return payloads;
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = all.length > bytes ? [all.subarray(bytes)] : [];
    this.buffered -= bytes;
    return all.subarray(0, bytes);
  }
}
