/**
 * How a sandbox's messages are written on the channel, and how the platform reads them back.
 *
 * Sandbox-to-host frames are not `v8.serialize` output: a V8 frame of a few MB can hold millions of
 * empty objects, and decoding it (before anything could be checked) froze the platform for seconds.
 * Here every message type has a fixed layout of typed fields (numbers, strings and bytes, each with
 * its length first), so the reader checks each length against that field's limit before it decodes
 * a byte of it, and a message can never hold more values than its layout allows: decoding costs
 * about one pass over the bytes, and anything a well-behaved sandbox would not write is refused.
 *
 * Frame: 4-byte big-endian length of the rest, 1 type byte, then the fields of that type.
 */
import type { FailureCode, LogLine, SandboxMessage, SourceLocation } from './protocol.ts';

/** Limits of what one sandbox message may carry; the sandbox keeps to them, the platform enforces them. */
export const WIRE_LIMITS = {
  /** A console line or an error message, in characters, before the sandbox cuts it (with a note). */
  textChars: 4096,
  /** The same, in bytes on the wire (4096 characters of UTF-8 plus the note fit). */
  textBytes: 16 * 1024,
  /** Console lines in one message (the sandbox's 200 plus its "dropped" note). */
  logLines: 201,
  /** A response's headers: count, name and value bytes, and all of them together. */
  headerCount: 200,
  headerNameBytes: 256,
  headerValueBytes: 16 * 1024,
  headerTotalBytes: 64 * 1024,
  /** One SQL text (a larger one is refused in the sandbox with a clear error). */
  sqlBytes: 1024 * 1024,
  /** Parameters of one query: values (SQLite's own limit) and bytes. */
  paramCount: 32_766,
  paramBytes: 16 * 1024 * 1024,
  /** An outbound request's body (see sandbox/fetch.ts). */
  fetchBodyBytes: 5 * 1024 * 1024,
  urlBytes: 8192,
  /** A mail's JSON (`@tessera/email`): two 1 MiB bodies with room for JSON's escapes; the platform checks the sizes again. */
  emailBytes: 8 * 1024 * 1024,
  /** A V8 code cache. */
  codeCacheBytes: 32 * 1024 * 1024,
  /** Names of functions and request ids, hashes, file names in error locations. */
  nameBytes: 1024,
} as const;

/** A frame that is not a message a sandbox may send; the platform stops the sandbox that wrote it. */
export class WireError extends Error {}
/** The bytes end in the middle of a field: refused for a whole frame, expected for the start of one (checkFrameStart). */
class WireTruncatedError extends WireError {}

const TYPE_CODES = {
  ready: 1,
  result: 2,
  'code-cache': 3,
  loaded: 4,
  rendered: 5,
  failed: 6,
  'missing-code': 7,
  'late-logs': 8,
  db: 9,
  fetch: 10,
  email: 11,
} as const satisfies Record<SandboxMessage['type'], number>;
const LEVELS = ['log', 'info', 'warn', 'error', 'debug'] as const;
const FAILURE_CODES = ['FUNCTION_INVALID', 'FUNCTION_FAILED', 'FUNCTION_CRASHED', 'RENDER_FAILED'] as const satisfies readonly FailureCode[];
const LOGS_BYTES = WIRE_LIMITS.logLines * (WIRE_LIMITS.textBytes + 64);

/**
 * The largest frame of each type, in bytes after the length: checked as soon as the type byte
 * arrives, before the frame is buffered. `maxBodyBytes`: a response body's (and rendered HTML's) limit.
 */
export function frameLimits(maxBodyBytes: number): Map<number, number> {
  const headers = WIRE_LIMITS.headerTotalBytes + WIRE_LIMITS.headerCount * 8;
  return new Map<number, number>([
    [TYPE_CODES.ready, 1],
    [TYPE_CODES['missing-code'], 5],
    [TYPE_CODES['code-cache'], 16 + WIRE_LIMITS.nameBytes + WIRE_LIMITS.codeCacheBytes],
    [TYPE_CODES.result, 32 + headers + maxBodyBytes + LOGS_BYTES],
    [TYPE_CODES.loaded, 16 + LOGS_BYTES],
    [TYPE_CODES.rendered, 16 + maxBodyBytes + LOGS_BYTES],
    [TYPE_CODES.failed, 64 + WIRE_LIMITS.textBytes * 2 + WIRE_LIMITS.nameBytes + LOGS_BYTES],
    [TYPE_CODES['late-logs'], 16 + WIRE_LIMITS.nameBytes * 2 + LOGS_BYTES],
    [TYPE_CODES.db, 32 + WIRE_LIMITS.sqlBytes + WIRE_LIMITS.paramBytes + WIRE_LIMITS.paramCount * (8 + 5)],
    [TYPE_CODES.fetch, 64 + WIRE_LIMITS.urlBytes + headers + WIRE_LIMITS.fetchBodyBytes],
    [TYPE_CODES.email, 16 + WIRE_LIMITS.emailBytes],
  ]);
}

/** `text` cut to `max` characters, with a note of how much was dropped. */
export function cutText(text: string, max: number = WIRE_LIMITS.textChars): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters dropped)`;
}

// ---- writing (in the sandbox) ----

class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  private push(part: Buffer): void {
    this.parts.push(part);
    this.size += part.length;
  }
  u8(value: number): this {
    this.push(Buffer.of(value));
    return this;
  }
  u32(value: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(value >>> 0, 0);
    this.push(b);
    return this;
  }
  f64(value: number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(value, 0);
    this.push(b);
    return this;
  }
  bytes(value: Uint8Array, max: number, what: string): this {
    if (value.byteLength > max) throw new WireError(`${what} has ${value.byteLength} bytes, more than the ${max}-byte limit`);
    this.u32(value.byteLength);
    this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return this;
  }
  str(value: string, max: number, what: string): this {
    return this.bytes(Buffer.from(value, 'utf8'), max, what);
  }
  frame(type: number): Buffer {
    const header = Buffer.allocUnsafe(5);
    header.writeUInt32BE(this.size + 1, 0);
    header[4] = type;
    return Buffer.concat([header, ...this.parts], this.size + 5);
  }
}

function writeLogs(w: Writer, logs: LogLine[]): void {
  if (logs.length > WIRE_LIMITS.logLines) throw new WireError(`${logs.length} console lines in one message, more than ${WIRE_LIMITS.logLines}`);
  w.u32(logs.length);
  for (const line of logs)
    w.str(line.time, 40, 'a log time').u8(LEVELS.indexOf(line.level)).str(cutText(line.message), WIRE_LIMITS.textBytes, 'a console line');
}

function writeHeaders(w: Writer, pairs: Array<[string, string]>): void {
  if (pairs.length > WIRE_LIMITS.headerCount) throw new WireError(`${pairs.length} headers, more than ${WIRE_LIMITS.headerCount}`);
  w.u32(pairs.length);
  for (const [name, value] of pairs)
    w.str(name, WIRE_LIMITS.headerNameBytes, 'a header name').str(value, WIRE_LIMITS.headerValueBytes, `the value of header ${cutText(name, 64)}`);
}

/** SQLite's parameter values: what better-sqlite3 binds, plus booleans and Dates (bound as 0/1 and ISO text). */
function writeParam(w: Writer, value: unknown): void {
  if (value === null || value === undefined) w.u8(0);
  else if (typeof value === 'boolean') w.u8(value ? 2 : 1);
  else if (typeof value === 'number') w.u8(3).f64(value);
  else if (typeof value === 'bigint') w.u8(4).str(value.toString(), 64, 'a bigint');
  else if (typeof value === 'string') w.u8(5).str(value, WIRE_LIMITS.paramBytes, 'a parameter');
  else if (value instanceof Uint8Array) w.u8(6).bytes(value, WIRE_LIMITS.paramBytes, 'a parameter');
  else if (value instanceof Date) w.u8(5).str(value.toISOString(), 64, 'a date');
  else throw new WireError(`a parameter of type ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value} cannot be bound`);
}

function writeParams(w: Writer, params: unknown): void {
  if (Array.isArray(params) || (params !== null && typeof params === 'object' && !(params instanceof Uint8Array) && !(params instanceof Date))) {
    const named = !Array.isArray(params);
    const entries = named ? Object.entries(params as Record<string, unknown>) : (params as unknown[]).map((v) => ['', v] as const);
    if (entries.length > WIRE_LIMITS.paramCount) throw new WireError(`${entries.length} parameters, more than ${WIRE_LIMITS.paramCount}`);
    w.u8(named ? 2 : 1).u32(entries.length);
    for (const [key, value] of entries) {
      if (named) w.str(key, 256, 'a parameter name');
      writeParam(w, value);
    }
  } else {
    w.u8(3);
    writeParam(w, params);
  }
}

/** Encodes a sandbox's message. Throws WireError when it breaks a limit or holds a value the layout cannot carry. */
export function encodeSandboxMessage(message: SandboxMessage): Buffer {
  const w = new Writer();
  switch (message.type) {
    case 'ready':
      break;
    case 'missing-code':
      w.u32(message.id);
      break;
    case 'code-cache':
      w.str(message.hash, WIRE_LIMITS.nameBytes, 'a hash').u8(message.data ? 1 : 0);
      if (message.data) w.bytes(message.data, WIRE_LIMITS.codeCacheBytes, 'a code cache');
      break;
    case 'result': {
      w.u32(message.id).u32(message.response.status);
      writeHeaders(w, Object.entries(message.response.headers));
      w.bytes(message.response.body, 0xffffffff, 'the body');
      writeLogs(w, message.logs);
      break;
    }
    case 'loaded':
      w.u32(message.id);
      writeLogs(w, message.logs);
      break;
    case 'rendered':
      w.u32(message.id).str(message.html, 0xffffffff, 'the HTML');
      writeLogs(w, message.logs);
      break;
    case 'failed': {
      w.u32(message.id).u8(FAILURE_CODES.indexOf(message.code)).str(cutText(message.message), WIRE_LIMITS.textBytes, 'an error message');
      const at = message.location;
      w.u8(at ? 1 : 0);
      if (at)
        w.str(cutText(at.file, 256), WIRE_LIMITS.nameBytes, 'a file name')
          .f64(at.line)
          .f64(at.column ?? -1)
          .str(cutText(at.lineText ?? '', 1000), WIRE_LIMITS.textBytes, 'a source line');
      writeLogs(w, message.logs);
      break;
    }
    case 'late-logs':
      w.str(message.fn, WIRE_LIMITS.nameBytes, 'a function name').str(message.requestId, WIRE_LIMITS.nameBytes, 'a request id');
      writeLogs(w, message.logs);
      break;
    case 'db':
      w.u32(message.id)
        .u32(message.callId)
        .u8(message.op === 'query' ? 0 : 1)
        .str(message.sql, WIRE_LIMITS.sqlBytes, 'the SQL text');
      writeParams(w, message.params);
      break;
    case 'fetch':
      w.u32(message.id).u32(message.callId).str(message.url, WIRE_LIMITS.urlBytes, 'the URL').str(message.method, 16, 'the method');
      writeHeaders(w, message.headers);
      w.u8(message.body ? 1 : 0);
      if (message.body) w.bytes(message.body, WIRE_LIMITS.fetchBodyBytes, 'the request body');
      break;
    case 'email':
      w.u32(message.id).u32(message.callId).str(message.mail, WIRE_LIMITS.emailBytes, 'the mail');
      break;
  }
  return w.frame(TYPE_CODES[message.type]);
}

// ---- reading (on the platform) ----

class Reader {
  private at = 1;
  constructor(private readonly frame: Buffer) {}

  private need(bytes: number): void {
    if (this.at + bytes > this.frame.length) throw new WireTruncatedError('the message ends in the middle of a field');
  }
  u8(): number {
    this.need(1);
    return this.frame[this.at++]!;
  }
  u32(): number {
    this.need(4);
    const value = this.frame.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }
  f64(): number {
    this.need(8);
    const value = this.frame.readDoubleBE(this.at);
    this.at += 8;
    return value;
  }
  /** A view of the next field's bytes; its length is checked before anything is read. */
  bytes(max: number, what: string): Buffer {
    const length = this.u32();
    if (length > max) throw new WireError(`${what} of ${length} bytes, over the ${max}-byte limit`);
    this.need(length);
    const value = this.frame.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }
  str(max: number, what: string): string {
    return this.bytes(max, what).toString('utf8');
  }
  count(max: number, what: string): number {
    const n = this.u32();
    if (n > max) throw new WireError(`${n} ${what}, over the limit of ${max}`);
    return n;
  }
  end(): void {
    if (this.at !== this.frame.length) throw new WireError(`${this.frame.length - this.at} bytes after the end of the message`);
  }
}

function readLogs(r: Reader): LogLine[] {
  const n = r.count(WIRE_LIMITS.logLines, 'console lines');
  const logs: LogLine[] = [];
  for (let i = 0; i < n; i++) {
    const time = r.str(40, 'a log time');
    const level = LEVELS[r.u8()];
    if (!level) throw new WireError('a console line of no known level');
    logs.push({ time, level, message: r.str(WIRE_LIMITS.textBytes, 'a console line') });
  }
  return logs;
}

function readHeaderPairs(r: Reader): Array<[string, string]> {
  const n = r.count(WIRE_LIMITS.headerCount, 'headers');
  const pairs: Array<[string, string]> = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const name = r.bytes(WIRE_LIMITS.headerNameBytes, 'a header name');
    const value = r.bytes(WIRE_LIMITS.headerValueBytes, 'a header value');
    total += name.length + value.length;
    if (total > WIRE_LIMITS.headerTotalBytes) throw new WireError(`headers of more than ${WIRE_LIMITS.headerTotalBytes} bytes`);
    pairs.push([name.toString('utf8'), value.toString('utf8')]);
  }
  return pairs;
}

function readParam(r: Reader, budget: { bytes: number }): unknown {
  const tag = r.u8();
  const spend = (length: number): void => {
    budget.bytes -= length;
    if (budget.bytes < 0) throw new WireError(`parameters of more than ${WIRE_LIMITS.paramBytes} bytes`);
  };
  switch (tag) {
    case 0:
      return null;
    case 1:
    case 2:
      return tag === 2;
    case 3:
      return r.f64();
    case 4: {
      const text = r.str(64, 'a bigint');
      if (!/^-?\d{1,40}$/.test(text)) throw new WireError('a bigint that is not a number');
      return BigInt(text);
    }
    case 5: {
      const value = r.bytes(WIRE_LIMITS.paramBytes, 'a parameter');
      spend(value.length);
      return value.toString('utf8');
    }
    case 6: {
      const value = r.bytes(WIRE_LIMITS.paramBytes, 'a parameter');
      spend(value.length);
      return Buffer.from(value);
    }
    default:
      throw new WireError(`a parameter of unknown kind ${tag}`);
  }
}

function readParams(r: Reader): unknown {
  const shape = r.u8();
  const budget = { bytes: WIRE_LIMITS.paramBytes };
  if (shape === 3) return readParam(r, budget);
  if (shape !== 1 && shape !== 2) throw new WireError(`parameters of unknown shape ${shape}`);
  const n = r.count(WIRE_LIMITS.paramCount, 'parameters');
  if (shape === 1) return Array.from({ length: n }, () => readParam(r, budget));
  const named: Array<[string, unknown]> = [];
  for (let i = 0; i < n; i++) named.push([r.str(256, 'a parameter name'), readParam(r, budget)]);
  return Object.fromEntries(named);
}

function readLocation(r: Reader): SourceLocation | undefined {
  if (r.u8() === 0) return undefined;
  const file = r.str(WIRE_LIMITS.nameBytes, 'a file name');
  const line = r.f64();
  const column = r.f64();
  const lineText = r.str(WIRE_LIMITS.textBytes, 'a source line');
  return { file, line, ...(column >= 0 ? { column } : {}), ...(lineText ? { lineText } : {}) };
}

/**
 * Decodes one frame (its type byte first, without the length) into a message. Throws WireError for
 * anything a sandbox may not send: an unknown type, a field over its limit, a cut-off or overlong frame.
 */
export function decodeSandboxMessage(frame: Buffer): SandboxMessage {
  if (frame.length === 0) throw new WireError('an empty message');
  const r = new Reader(frame);
  let message: SandboxMessage;
  switch (frame[0]) {
    case TYPE_CODES.ready:
      message = { type: 'ready' };
      break;
    case TYPE_CODES['missing-code']:
      message = { type: 'missing-code', id: r.u32() };
      break;
    case TYPE_CODES['code-cache']: {
      const hash = r.str(WIRE_LIMITS.nameBytes, 'a hash');
      message = r.u8() ? { type: 'code-cache', hash, data: Buffer.from(r.bytes(WIRE_LIMITS.codeCacheBytes, 'a code cache')) } : { type: 'code-cache', hash };
      break;
    }
    case TYPE_CODES.result: {
      const id = r.u32();
      const status = r.u32();
      const headers = Object.fromEntries(readHeaderPairs(r));
      const body = Buffer.from(r.bytes(0xffffffff, 'the body'));
      message = { type: 'result', id, response: { status, headers, body }, logs: readLogs(r) };
      break;
    }
    case TYPE_CODES.loaded:
      message = { type: 'loaded', id: r.u32(), logs: readLogs(r) };
      break;
    case TYPE_CODES.rendered:
      message = { type: 'rendered', id: r.u32(), html: r.str(0xffffffff, 'the HTML'), logs: readLogs(r) };
      break;
    case TYPE_CODES.failed: {
      const id = r.u32();
      const code = FAILURE_CODES[r.u8()];
      if (!code) throw new WireError('a failure of no known code');
      const text = r.str(WIRE_LIMITS.textBytes, 'an error message');
      const location = readLocation(r);
      message = { type: 'failed', id, code, message: text, logs: readLogs(r), ...(location ? { location } : {}) };
      break;
    }
    case TYPE_CODES['late-logs']:
      message = {
        type: 'late-logs',
        fn: r.str(WIRE_LIMITS.nameBytes, 'a function name'),
        requestId: r.str(WIRE_LIMITS.nameBytes, 'a request id'),
        logs: readLogs(r),
      };
      break;
    case TYPE_CODES.db: {
      const id = r.u32();
      const callId = r.u32();
      const op = r.u8();
      if (op > 1) throw new WireError('a database call of no known kind');
      message = { type: 'db', id, callId, op: op === 0 ? 'query' : 'execute', sql: r.str(WIRE_LIMITS.sqlBytes, 'an SQL text'), params: readParams(r) };
      break;
    }
    case TYPE_CODES.fetch: {
      const id = r.u32();
      const callId = r.u32();
      const url = r.str(WIRE_LIMITS.urlBytes, 'a URL');
      const method = r.str(16, 'a method');
      if (!/^[A-Za-z]{1,16}$/.test(method)) throw new WireError('a method that is not a word');
      const headers = readHeaderPairs(r);
      const body = r.u8() ? Buffer.from(r.bytes(WIRE_LIMITS.fetchBodyBytes, 'a request body')) : undefined;
      message = { type: 'fetch', id, callId, url, method, headers, ...(body ? { body } : {}) };
      break;
    }
    case TYPE_CODES.email:
      message = { type: 'email', id: r.u32(), callId: r.u32(), mail: r.str(WIRE_LIMITS.emailBytes, 'a mail') };
      break;
    default:
      throw new WireError(`a message of unknown type ${frame[0]}`);
  }
  r.end();
  return message;
}

/**
 * Checks the first bytes of a large frame (type byte first) before the rest is buffered: every field
 * they hold is checked as decodeSandboxMessage would, so a forged frame whose early field breaks a
 * limit (an 8 MB SQL text, a 20 MB header name, a count of millions) is refused at once, not after
 * megabytes have been read. Throws WireError; returns when the start is acceptable so far.
 */
export function checkFrameStart(start: Buffer): void {
  try {
    decodeSandboxMessage(start);
  } catch (err) {
    if (err instanceof WireTruncatedError) return;
    throw err;
  }
  // A whole message in fewer bytes than the frame announced: the rest would be trailing bytes.
  throw new WireError('bytes after the end of the message');
}
