import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { encodeHostFrame, FrameReader, FrameTooLargeError, type HostMessage, type SandboxMessage } from '../protocol.ts';
import { checkFrameStart, decodeSandboxMessage, frameLimits, WireError } from '../wire.ts';

/** How a sandbox process ended, in words for the owner. */
export interface SandboxExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the platform stopped it, when it did (time limit, bad message, idle, shutdown). */
  stoppedBecause?: string;
  /** Stopped for what it did on its channel (a bad message, replies it did not read): worth a warning in the platform's log. */
  misbehaved?: boolean;
  /** Node's own last words on stderr (e.g. "JavaScript heap out of memory"). */
  stderr: string;
}

const STDERR_TAIL = 4096;
/**
 * Back-pressure toward a sandbox: past this many bytes of replies not yet taken by the sandbox, the
 * platform reads no more of its requests until they drain; past the cap, the sandbox is stopped (one
 * process per app, so this is the app's cap). A sandbox that asks for many large results and never
 * reads them would otherwise make the platform queue them all.
 */
export const REPLY_QUEUE_PAUSE_BYTES = 8 * 1024 * 1024;
export const REPLY_QUEUE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * One sandbox process and its channel: frames in both directions, every incoming message checked
 * (its type's size limit first, then each field's, as wire.ts decodes it). A sandbox that sends a
 * frame over a limit or anything malformed is stopped: it runs tenant code, and only tenant code
 * would do that.
 */
export class SandboxConnection {
  private readonly listeners = new Set<(message: SandboxMessage, bytes: number) => void>();
  private readonly exitListeners = new Set<(exit: SandboxExit) => void>();
  private stderr = '';
  private stoppedBecause: string | undefined;
  private exitInfo: SandboxExit | null = null;
  private misbehaved = false;
  private readonly channel: Readable & Writable;
  private paused = false;

  /** `maxBodyBytes`: a response body's limit (the largest frame of most types follows from it; see wire.ts). */
  constructor(
    private readonly child: ChildProcess,
    maxFrameBytes: number,
    maxBodyBytes: number = maxFrameBytes,
  ) {
    this.channel = child.stdio[3] as Readable & Writable;
    const reader = new FrameReader(maxFrameBytes, frameLimits(maxBodyBytes), checkFrameStart);
    this.channel.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = reader.push(chunk);
      } catch (err) {
        const why =
          err instanceof FrameTooLargeError
            ? `it sent ${err.message}`
            : err instanceof WireError
              ? `it sent a message the platform does not accept: ${err.message}`
              : `it sent a malformed message (${(err as Error).message})`;
        return this.stopForMisbehaviour(`The function process of this app was stopped because ${why}.`);
      }
      for (const payload of payloads) {
        let message: SandboxMessage;
        try {
          message = decodeSandboxMessage(payload);
        } catch (err) {
          const why = err instanceof WireError ? `: ${err.message}` : '';
          return this.stopForMisbehaviour(`The function process of this app was stopped because it sent a message the platform does not accept${why}.`);
        }
        if (this.stoppedBecause !== undefined) return;
        for (const listener of this.listeners) listener(message, payload.length);
      }
    });
    this.channel.on('drain', () => {
      if (!this.paused) return;
      this.paused = false;
      this.channel.resume();
    });
    // A dead sandbox closes the pipe; writes racing with that must not become an unhandled error.
    this.channel.on('error', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      // Only the tail matters; decoding a whole flood would cost the platform's CPU.
      this.stderr = (this.stderr + chunk.subarray(-STDERR_TAIL).toString('utf8')).slice(-STDERR_TAIL);
    });
    child.once('exit', (code, signal) => {
      this.exitInfo = {
        code,
        signal,
        stderr: this.stderr.trim(),
        ...(this.stoppedBecause ? { stoppedBecause: this.stoppedBecause } : {}),
        ...(this.misbehaved ? { misbehaved: true } : {}),
      };
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

  /**
   * Sends a message; false if the process is gone. Throws if the message holds a value V8 cannot
   * clone. Applies back-pressure (see REPLY_QUEUE_PAUSE_BYTES): the sandbox's requests are not read
   * while its replies wait, and a sandbox that lets them pile up past the cap is stopped.
   */
  send(message: HostMessage): boolean {
    // A process being stopped gets nothing more (its queue is what stopped it, perhaps).
    if (!this.alive || this.channel.destroyed || this.stoppedBecause !== undefined) return false;
    this.channel.write(encodeHostFrame(message));
    const queued = this.channel.writableLength;
    if (queued > REPLY_QUEUE_MAX_BYTES) {
      const mb = (n: number) => Math.round(n / 1024 / 1024);
      this.stopForMisbehaviour(
        `The function process of this app was stopped because it did not read the platform's replies: ${mb(queued)} MB were waiting for it, over the ${mb(REPLY_QUEUE_MAX_BYTES)} MB limit of an app.`,
      );
    } else if (queued > REPLY_QUEUE_PAUSE_BYTES && !this.paused) {
      this.paused = true;
      this.channel.pause();
    }
    return true;
  }

  /** Stops the process for what it did on its channel (the platform's log gets a warning). */
  private stopForMisbehaviour(reason: string): void {
    if (this.stoppedBecause === undefined) this.misbehaved = true;
    this.kill(reason);
    // Nothing more of a process being stopped is read, and what waited for it is let go now.
    this.channel.destroy();
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
