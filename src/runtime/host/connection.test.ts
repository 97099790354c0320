import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader, FrameTooLargeError } from '../protocol.ts';
import { SandboxConnection } from './connection.ts';

/** A stand-in sandbox that writes `bytes` (hex) to the channel, then waits to be killed. */
function fakeSandbox(bytes: Buffer): SandboxConnection {
  const script = `require('fs').writeSync(3, Buffer.from(${JSON.stringify(bytes.toString('hex'))}, 'hex')); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  return new SandboxConnection(child, 1024 * 1024);
}

describe('FrameReader', () => {
  it('reassembles frames split anywhere and several in one chunk', () => {
    const frames = Buffer.concat([encodeFrame({ type: 'ready' }), encodeFrame({ type: 'missing-code', id: 7 }), encodeFrame({ type: 'late-logs', fn: 'f', requestId: 'r', logs: [] })]);
    const reader = new FrameReader(1024);
    const seen: unknown[] = [];
    for (const byte of frames) seen.push(...reader.push(Buffer.from([byte])).map((m) => m.message));
    expect(seen).toEqual([{ type: 'ready' }, { type: 'missing-code', id: 7 }, { type: 'late-logs', fn: 'f', requestId: 'r', logs: [] }]);
    expect(new FrameReader(1024).push(frames)).toHaveLength(3);
  });

  it('refuses a frame over the limit from its header, before buffering it', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(2 ** 31, 0);
    expect(() => new FrameReader(1024).push(header)).toThrow(FrameTooLargeError);
  });

  it('carries Buffers as Buffers', () => {
    const [frame] = new FrameReader(1024).push(encodeFrame({ type: 'db-reply', callId: 1, ok: true, value: [{ blob: Buffer.from('x') }] }));
    expect(Buffer.isBuffer((frame!.message as { value: Array<{ blob: unknown }> }).value[0]!.blob)).toBe(true);
  });
});

describe('SandboxConnection', () => {
  it('delivers valid messages', async () => {
    const connection = fakeSandbox(encodeFrame({ type: 'ready' }));
    const message = await new Promise((resolve) => connection.onMessage(resolve));
    expect(message).toEqual({ type: 'ready' });
    connection.kill('test over');
    await connection.exited();
  });

  it.each([
    ['announces a frame over the limit', (() => { const h = Buffer.alloc(4); h.writeUInt32BE(500 * 1024 * 1024, 0); return h; })(), 'it sent a message of 524288000 bytes, over the 1048576-byte limit'],
    ['sends bytes that are not a message', Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('zzz')]), 'it sent a malformed message'],
    ['sends a message of the wrong shape', encodeFrame({ type: 'result', id: -1 } as never), 'a message the platform does not accept'],
  ])('stops a sandbox that %s', async (_name, bytes, reason) => {
    const connection = fakeSandbox(bytes);
    const exit = await connection.exited();
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.stoppedBecause).toContain(reason);
  });
});
