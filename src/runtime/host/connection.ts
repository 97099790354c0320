import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { encodeFrame, FrameReader, FrameTooLargeError, type HostMessage, type SandboxMessage } from '../protocol.ts';
import { parseSandboxMessage } from './messages.ts';

/** How a sandbox process ended, in words for the owner. */
export interface SandboxExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the platform stopped it, when it did (time limit, bad message, idle, shutdown). */
  stoppedBecause?: string;
  /** Node's own last words on stderr (e.g. "JavaScript heap out of memory"). */
  stderr: string;
}

const STDERR_TAIL = 4096;

/**
 * One sandbox process and its channel: frames in both directions, every incoming message checked
 * (size first, then shape). A sandbox that sends a frame over the limit or anything malformed is
 * stopped: it runs tenant code, and only tenant code would do that.
 */
export class SandboxConnection {
  private readonly listeners = new Set<(message: SandboxMessage, bytes: number) => void>();
  private readonly exitListeners = new Set<(exit: SandboxExit) => void>();
  private stderr = '';
  private stoppedBecause: string | undefined;
  private exitInfo: SandboxExit | null = null;
  private readonly channel: Readable & Writable;

  constructor(
    private readonly child: ChildProcess,
    maxFrameBytes: number,
  ) {
    this.channel = child.stdio[3] as Readable & Writable;
    const reader = new FrameReader(maxFrameBytes);
    this.channel.on('data', (chunk: Buffer) => {
      let values: Array<{ message: unknown; bytes: number }>;
      try {
        values = reader.push(chunk);
      } catch (err) {
        const why = err instanceof FrameTooLargeError ? `it sent ${err.message}` : 'it sent a malformed message';
        return this.kill(`The function process of this app was stopped because ${why}.`);
      }
      for (const value of values) {
        const message = parseSandboxMessage(value.message);
        if (!message) return this.kill('The function process of this app was stopped because it sent a message the platform does not accept.');
        for (const listener of this.listeners) listener(message, value.bytes);
      }
    });
    // A dead sandbox closes the pipe; writes racing with that must not become an unhandled error.
    this.channel.on('error', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      // Only the tail matters; decoding a whole flood would cost the platform's CPU.
      this.stderr = (this.stderr + chunk.subarray(-STDERR_TAIL).toString('utf8')).slice(-STDERR_TAIL);
    });
    child.once('exit', (code, signal) => {
      this.exitInfo = { code, signal, stderr: this.stderr.trim(), ...(this.stoppedBecause ? { stoppedBecause: this.stoppedBecause } : {}) };
      for (const listener of this.exitListeners) listener(this.exitInfo);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** `bytes`: the message's size on the wire. */
  onMessage(listener: (message: SandboxMessage, bytes: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` once the process has exited (at once if it already has). */
  onExit(listener: (exit: SandboxExit) => void): void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.add(listener);
  }

  /** Sends a message; false if the process is gone. Throws if the message holds a value V8 cannot clone. */
  send(message: HostMessage): boolean {
    if (!this.alive || this.channel.destroyed) return false;
    this.channel.write(encodeFrame(message));
    return true;
  }

  /** Stops the process at once (SIGKILL: a busy loop ignores anything gentler). The first reason given is kept. */
  kill(reason: string): void {
    this.stoppedBecause ??= reason;
    if (this.alive) this.child.kill('SIGKILL');
  }

  /** Resolves when the process has exited. */
  exited(): Promise<SandboxExit> {
    return new Promise((resolve) => this.onExit(resolve));
  }
}
