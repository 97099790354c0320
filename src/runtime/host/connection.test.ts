import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { FrameReader, FrameTooLargeError, type SandboxMessage } from '../protocol.ts';
import { checkFrameStart, decodeSandboxMessage, encodeSandboxMessage, frameLimits, WIRE_LIMITS, WireError } from '../wire.ts';
import { SandboxConnection } from './connection.ts';

/** A stand-in sandbox that writes `bytes` (hex) to the channel, then waits to be killed. */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tessera-connection-'));
let written = 0;
function fakeSandbox(bytes: Buffer): SandboxConnection {
  const file = path.join(scratch, `frame-${written++}`);
  writeFileSync(file, bytes);
  const script = `require('fs').writeSync(3, require('fs').readFileSync(${JSON.stringify(file)})); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  return new SandboxConnection(child, 1024 * 1024);
}

/** A frame of the given type byte around `payload`, as tenant code could write it by hand. */
function forged(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length + 1, 0);
  header[4] = type;
  return Buffer.concat([header, payload]);
}

describe('FrameReader and the wire layout', () => {
  it('reassembles frames split anywhere and several in one chunk', () => {
    const messages: SandboxMessage[] = [
      { type: 'ready' },
      { type: 'missing-code', id: 7 },
      { type: 'late-logs', fn: 'f', requestId: 'r', logs: [{ time: '2026-01-01T00:00:00.000Z', level: 'warn', message: 'héllo' }] },
      { type: 'result', id: 3, response: { status: 201, headers: { 'x-a': 'b' }, body: Buffer.from('body') }, logs: [] },
      { type: 'db', id: 1, callId: 2, op: 'query', sql: 'SELECT ?, ?, ?', params: [1, 'two', Buffer.from('3'), null, true, 10n] },
      { type: 'db', id: 1, callId: 3, op: 'execute', sql: 'SELECT :a', params: { a: 1 } },
      { type: 'failed', id: 4, code: 'FUNCTION_INVALID', message: 'bad', logs: [], location: { file: 'f.ts', line: 2, column: 3, lineText: 'x' } },
    ];
    const frames = Buffer.concat(messages.map(encodeSandboxMessage));
    const reader = new FrameReader(1 << 20, frameLimits(1024));
    const seen: SandboxMessage[] = [];
    for (const byte of frames) seen.push(...reader.push(Buffer.from([byte])).map(decodeSandboxMessage));
    expect(seen).toEqual(
      messages.map((m) => (m.type === 'db' && Array.isArray(m.params) ? { ...m, params: [1, 'two', Buffer.from('3'), null, true, 10n] } : m)),
    );
    expect(new FrameReader(1 << 20, frameLimits(1024)).push(frames)).toHaveLength(messages.length);
  });

  it('refuses a frame over the limit from its header, before buffering it', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(2 ** 31, 0);
    expect(() => new FrameReader(1024).push(header)).toThrow(FrameTooLargeError);
  });

  it("refuses a frame over its type's limit as soon as the type byte arrives", () => {
    // A 'ready' message is one byte; one announcing 1 MB is refused before any of it is buffered.
    const header = Buffer.alloc(5);
    header.writeUInt32BE(1 << 20, 0);
    header[4] = 1;
    expect(() => new FrameReader(64 << 20, frameLimits(1024)).push(header)).toThrow(/a message of 1048576 bytes, over the 1-byte limit/);
  });

  it('checks the start of a large frame before buffering the rest, and lets large valid frames through', () => {
    const reader = () => new FrameReader(64 << 20, frameLimits(8 << 20), checkFrameStart);
    // A forged 'db' frame announcing an 8 MB SQL text: refused once its first 128 KiB are in.
    const forged = Buffer.alloc(5 + 4 + 4 + 1 + 4 + 128 * 1024);
    forged.writeUInt32BE(8 * 1024 * 1024 + 20, 0);
    forged[4] = 9;
    forged.writeUInt32BE(8 * 1024 * 1024, 14);
    expect(() => reader().push(forged)).toThrow(/an SQL text of 8388608 bytes, over the 1048576-byte limit/);
    const big = encodeSandboxMessage({
      type: 'result',
      id: 1,
      response: { status: 200, headers: { 'content-type': 'x/y' }, body: Buffer.alloc(3 << 20, 7) },
      logs: [{ time: 't', level: 'log', message: 'm' }],
    });
    const r = reader();
    const out: Buffer[] = [];
    for (let at = 0; at < big.length; at += 65536) out.push(...r.push(big.subarray(at, at + 65536)));
    expect((decodeSandboxMessage(out[0]!) as Extract<SandboxMessage, { type: 'result' }>).response.body.length).toBe(3 << 20);
  });

  it('checks every field against its limit before decoding it', () => {
    const longName = Buffer.alloc(5 + 4 + 4 + 4 + 4);
    let at = 0;
    for (const n of [3, 200, 1, 20 * 1024 * 1024]) at = longName.writeUInt32BE(n, at); // id, status, 1 header, a 20 MB name
    expect(() => decodeSandboxMessage(Buffer.concat([Buffer.of(2), longName.subarray(0, 16)]))).toThrow(
      /a header name of 20971520 bytes, over the 256-byte limit/,
    );
    const tooManyLogs = Buffer.alloc(8);
    tooManyLogs.writeUInt32BE(1, 0);
    tooManyLogs.writeUInt32BE(12_000_000, 4);
    expect(() => decodeSandboxMessage(Buffer.concat([Buffer.of(4), tooManyLogs]))).toThrow(/12000000 console lines, over the limit of 201/);
    expect(() => decodeSandboxMessage(Buffer.concat([encodeSandboxMessage({ type: 'missing-code', id: 1 }).subarray(4), Buffer.of(0)]))).toThrow(WireError);
  });

  it('refuses a V8-serialized flood of 12 million empty objects in milliseconds', () => {
    // The attack of issue 25: 34 MB of `{}` took the platform 10-17 s to decode before any check.
    const flood = serialize(Array.from({ length: 1_000_000 }, () => ({})));
    const frames = [2, 3, 4, 5, 6, 8, 9, 10].map((type) => Buffer.concat([Buffer.of(type), flood]));
    const times = frames.map((frame) => {
      const started = performance.now();
      const error = (() => {
        try {
          decodeSandboxMessage(frame);
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(WireError);
      return performance.now() - started;
    });
    // Each is refused at its first field over a limit; deserializing it took seconds.
    expect(Math.min(...times)).toBeLessThan(5);
    expect(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]).toBeLessThan(5);
  });

  it("cuts console lines and error messages in the sandbox's encoder, with a note", () => {
    const [payload] = new FrameReader(1 << 24, frameLimits(1024)).push(
      encodeSandboxMessage({
        type: 'failed',
        id: 1,
        code: 'FUNCTION_FAILED',
        message: 'x'.repeat(1_000_000),
        logs: [{ time: 't', level: 'log', message: 'y'.repeat(50_000) }],
      }),
    );
    const message = decodeSandboxMessage(payload!) as Extract<SandboxMessage, { type: 'failed' }>;
    expect(message.message).toBe(`${'x'.repeat(WIRE_LIMITS.textChars)}… (${1_000_000 - WIRE_LIMITS.textChars} more characters dropped)`);
    expect(message.logs[0]!.message).toMatch(/^y{4096}… \(45904 more characters dropped\)$/);
  });
});

describe('SandboxConnection', () => {
  it('delivers valid messages', async () => {
    const connection = fakeSandbox(encodeSandboxMessage({ type: 'ready' }));
    const message = await new Promise((resolve) => connection.onMessage(resolve));
    expect(message).toEqual({ type: 'ready' });
    connection.kill('test over');
    await connection.exited();
  });

  it.each([
    [
      'announces a frame over the limit',
      (() => {
        const h = Buffer.alloc(4);
        h.writeUInt32BE(500 * 1024 * 1024, 0);
        return h;
      })(),
      'it sent a message of 524288000 bytes, over the 1048576-byte limit',
    ],
    [
      'sends bytes that are not a message',
      Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('zzz')]),
      'it sent a malformed message (a message of unknown type 122)',
    ],
    [
      'sends a message of the wrong shape',
      forged(2, Buffer.from([0, 0, 0, 1])),
      'a message the platform does not accept: the message ends in the middle of a field',
    ],
    ['sends a V8 frame of empty objects', forged(2, serialize(Array.from({ length: 100_000 }, () => ({})))), 'a message the platform does not accept'],
  ])('stops a sandbox that %s', async (_name, bytes, reason) => {
    const connection = fakeSandbox(bytes);
    const exit = await connection.exited();
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.stoppedBecause).toContain(reason);
    expect(exit.misbehaved).toBe(true);
  });

  it('stops reading a sandbox that does not read its replies, and stops it past the cap', async () => {
    // The stand-in never reads fd 3; it asks once, the platform answers with 8 MB replies.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('fs').writeSync(3, Buffer.from(${JSON.stringify(encodeSandboxMessage({ type: 'ready' }).toString('hex'))}, 'hex')); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const connection = new SandboxConnection(child, 1024 * 1024);
    await new Promise((resolve) => connection.onMessage(resolve));
    const reply = { type: 'db-reply', callId: 1, ok: true, value: Buffer.alloc(8 * 1024 * 1024) } as const;
    for (let i = 0; i < 12 && connection.alive; i++) connection.send(reply);
    const exit = await connection.exited();
    expect(exit.stoppedBecause).toMatch(/did not read the platform's replies: \d+ MB were waiting for it, over the 64 MB limit of an app/);
  });
});
