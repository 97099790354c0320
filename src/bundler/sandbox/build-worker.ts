import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { compileChildEntry } from '../../child-entry.ts';
import { TesseraError, USER_ERRORS, SYSTEM_ERRORS, type ErrorCode } from '../../errors.ts';
import { addressSpaceLimit, bubblewrapArgs, FrameReader, FrameTooLargeError, onlyChannelFds, type Isolation, type ReadOnlyBind } from '../../runtime/index.ts';
import { decodeBuildFrame, encodeBuildFrame, type BuildJob, type FromWorker } from './messages.ts';

const WORKER_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');
/** Where the platform's own files appear inside the sandbox: nothing names the host's folders. */
const INSIDE = {
  entry: '/build/worker.cjs',
  esbuild: '/build/node_modules/esbuild',
  binary: '/build/node_modules/@esbuild',
  parser: '/build/node_modules/oxc-parser',
  parserBinding: '/build/node_modules/@oxc-parser',
};
/** Packages the worker loads at run time: esbuild, and the parser of the literal-imports check (a native addon, which cannot be bundled). */
const WORKER_PACKAGES = ['esbuild', 'oxc-parser'];
const STDERR_TAIL = 4096;
/** Last words of Node (V8) or of esbuild's Go runtime that ran out of memory (or of address space under prlimit). */
const OUT_OF_MEMORY = /out of memory|cannot allocate memory|Allocation failed|heap limit|Failed to reserve|Array buffer allocation failed/i;
const START_TIMEOUT_MS = 20_000;

/** What one worker is allowed and how it is contained. */
export interface BuildWorkerSettings {
  isolation: Isolation;
  /** V8 heap limit; also esbuild's GOMEMLIMIT. The address-space cap sits `headroomMb` above it. */
  memoryMb: number;
  headroomMb: number;
  /** Largest answer accepted from the worker. */
  maxResultBytes: number;
  /** Package-store folders the worker may read (each bound read-only at its own path). */
  packageDirs: string[];
  /** Test probes (messages.ts); never on in the platform. */
  probes: boolean;
}

/** The worker's one .cjs file (compiled once per platform process): started early, the first build is quicker. */
export function compileWorkerEntry(): Promise<string> {
  return compileChildEntry(WORKER_ENTRY, { external: WORKER_PACKAGES });
}

/** esbuild's JS API and the folder of its binary for this platform (with oxc-parser, the only node_modules a worker sees). */
function esbuildDirs(): { api: string; binary: string } {
  const require = createRequire(import.meta.url);
  const api = path.dirname(path.dirname(require.resolve('esbuild')));
  const binaryPackage = `@esbuild/${process.platform}-${process.arch}`;
  const binary = path.dirname(createRequire(path.join(api, 'package.json')).resolve(`${binaryPackage}/package.json`));
  return { api, binary };
}

/** oxc-parser's folder and the folder of its native binding for this machine (the one npm installed beside it). */
function parserDirs(): { api: string; bindings: string[] } {
  const require = createRequire(import.meta.url);
  const api = path.dirname(require.resolve('oxc-parser/package.json'));
  const scope = path.join(path.dirname(api), '@oxc-parser');
  const bindings = existsSync(scope)
    ? readdirSync(scope)
        .filter((name) => name.startsWith('binding-'))
        .map((name) => path.join(scope, name))
    : [];
  return { api, bindings };
}

/**
 * One build worker process (worker.ts) and its pipe: builds run one at a time, each with a time limit;
 * a build over it kills the process (the next build gets a fresh one, see BuildSandbox). Every answer
 * is size-checked before it is read and shape-checked after.
 */
export class BuildWorker {
  private readonly child: ChildProcess;
  private readonly channel: Readable & Writable;
  private stderr = '';
  /** Seen anywhere on stderr: Go prints its reason first, then a long goroutine dump. */
  private outOfMemory = false;
  private nextId = 1;
  private pending: { id: number; resolve: (value: unknown) => void; reject: (err: Error) => void; timer?: NodeJS.Timeout } | null = null;
  private readonly ready: Promise<void>;
  private stoppedBecause: TesseraError | null = null;
  private exited = false;
  /** Builds queued or running here. */
  private queue: Promise<unknown> = Promise.resolve();
  busy = 0;
  lastUsed = Date.now();

  private constructor(
    child: ChildProcess,
    readonly settings: BuildWorkerSettings,
  ) {
    this.child = child;
    this.channel = child.stdio[3] as Readable & Writable;
    const reader = new FrameReader(settings.maxResultBytes);
    let signalReady: () => void;
    let failStart: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      signalReady = resolve;
      failStart = reject;
    });
    const startTimer = setTimeout(() => this.kill(new TesseraError('INTERNAL', 'The build worker did not start in time.')), START_TIMEOUT_MS);
    this.channel.on('data', (chunk: Buffer) => {
      let values: unknown[];
      try {
        values = reader.push(chunk).map(decodeBuildFrame);
      } catch (err) {
        const why =
          err instanceof FrameTooLargeError
            ? `Its result was ${err.bytes} bytes, over the ${err.limit}-byte limit of a build.`
            : 'It sent a malformed message.';
        return this.kill(new TesseraError('COMPILE_ERROR', `The build was stopped. ${why}`));
      }
      for (const message of values) {
        const parsed = parseFromWorker(message);
        if (!parsed) return this.kill(new TesseraError('INTERNAL', 'The build worker sent a message the platform does not accept; it was stopped.'));
        if (parsed.type === 'ready') {
          clearTimeout(startTimer);
          signalReady!();
        } else this.settle(parsed);
      }
    });
    this.channel.on('error', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.subarray(-STDERR_TAIL).toString('utf8');
      // The head of a big chunk too: a Go runtime's reason comes before its goroutine dump.
      this.outOfMemory ||=
        OUT_OF_MEMORY.test(this.stderr.slice(-64) + text) ||
        (chunk.length > STDERR_TAIL && OUT_OF_MEMORY.test(chunk.subarray(0, STDERR_TAIL).toString('utf8')));
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      clearTimeout(startTimer);
      const err = this.stoppedBecause ?? this.crashError(code, signal);
      failStart!(err);
      if (this.pending) {
        clearTimeout(this.pending.timer);
        this.pending.reject(err);
        this.pending = null;
      }
    });
    // A spawn that fails (no such program) emits 'error' and may never exit: fail the start at once.
    child.once('error', (err) => {
      this.exited = true;
      clearTimeout(startTimer);
      failStart!(new TesseraError('INTERNAL', `The build worker could not start: ${err.message}`));
    });
    this.ready.catch(() => undefined);
    this.idle();
  }

  /** Starts a worker and waits until its esbuild is running. */
  static async start(settings: BuildWorkerSettings): Promise<BuildWorker> {
    const entry = await compileWorkerEntry();
    const heap = [`--max-old-space-size=${settings.memoryMb}`, '--no-warnings'];
    // GOMEMLIMIT: esbuild's Go runtime collects harder as it nears this, instead of growing into the cap.
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      TZ: 'UTC',
      GOMEMLIMIT: `${settings.memoryMb}MiB`,
      ...(settings.probes ? { TESSERA_BUILD_PROBES: '1' } : {}),
    };
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'pipe', 'pipe'];
    const limit = await addressSpaceLimit(settings.memoryMb, settings.headroomMb);
    let child: ChildProcess;
    if (settings.isolation === 'bubblewrap') {
      const esbuild = esbuildDirs();
      const parser = parserDirs();
      const binds: ReadOnlyBind[] = [
        { from: entry, to: INSIDE.entry },
        { from: esbuild.api, to: INSIDE.esbuild },
        { from: esbuild.binary, to: path.join(INSIDE.binary, path.basename(esbuild.binary)) },
        { from: parser.api, to: INSIDE.parser },
        ...parser.bindings.map((dir) => ({ from: dir, to: path.join(INSIDE.parserBinding, path.basename(dir)) })),
        // A package missing from the store is then missing in the build too: esbuild names it.
        ...settings.packageDirs.map((dir) => ({ from: dir, to: dir, optional: true })),
      ];
      const command = [...onlyChannelFds(), ...limit, 'bwrap', ...bubblewrapArgs(binds), '--', process.execPath, ...heap, INSIDE.entry];
      child = spawn(command[0]!, command.slice(1), { env, stdio });
    } else {
      // No sandbox: a process of its own still keeps a build's memory and time off the platform's.
      const command = [...onlyChannelFds(), ...limit, process.execPath, ...heap, entry];
      child = spawn(command[0]!, command.slice(1), { env, stdio, cwd: os.tmpdir(), detached: true });
    }
    const worker = new BuildWorker(child, settings);
    try {
      await worker.ready;
    } catch (err) {
      worker.kill(new TesseraError('INTERNAL', 'The build worker did not start.'));
      throw err;
    }
    return worker;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs one build after those queued before it; `timeoutMs` counts from when it starts. */
  run(job: BuildJob, timeoutMs: number): Promise<unknown> {
    this.busy++;
    this.lastUsed = Date.now();
    const result = this.queue.then(() => this.runNow(job, timeoutMs));
    this.queue = result
      .catch(() => undefined)
      .finally(() => {
        this.busy--;
        this.lastUsed = Date.now();
        if (this.busy === 0) this.idle();
      });
    return result;
  }

  private runNow(job: BuildJob, timeoutMs: number): Promise<unknown> {
    if (!this.alive) return Promise.reject(this.stoppedBecause ?? new TesseraError('INTERNAL', 'The build worker has stopped.'));
    this.active();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.kill(timeoutError(timeoutMs)), timeoutMs);
      this.pending = { id, resolve, reject, timer };
      this.channel.write(encodeBuildFrame({ type: 'build', id, job }));
    });
  }

  private settle(message: Extract<FromWorker, { type: 'built' | 'failed' }>): void {
    const pending = this.pending;
    if (!pending || pending.id !== message.id)
      return this.kill(new TesseraError('INTERNAL', 'The build worker answered a build it was not running; it was stopped.'));
    clearTimeout(pending.timer);
    this.pending = null;
    if (message.type === 'built') pending.resolve(message.value);
    else pending.reject(new TesseraError(message.error.code, message.error.message, message.error.details ? { details: message.error.details } : {}));
  }

  /** Stops the process at once (SIGKILL: a build does not listen); the first reason given is what builds are told. */
  kill(reason: TesseraError): void {
    this.stoppedBecause ??= reason;
    if (this.exited) return;
    if (this.settings.isolation === 'process' && this.child.pid) {
      // Its own process group: esbuild's binary goes with it.
      try {
        process.kill(-this.child.pid, 'SIGKILL');
        return;
      } catch {
        /* already gone */
      }
    }
    this.child.kill('SIGKILL');
  }

  /** Resolves once the process has exited. */
  closed(): Promise<void> {
    if (this.exited) return Promise.resolve();
    // Whoever waits for the exit keeps the event loop alive until it comes.
    this.child.ref();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  private crashError(code: number | null, signal: NodeJS.Signals | null): TesseraError {
    if (this.outOfMemory) {
      return new TesseraError(
        'BUILD_OUT_OF_MEMORY',
        `The build ran out of memory (limit ${this.settings.memoryMb} MB) and was stopped. A package (or the code) is too large to bundle: use a smaller package, or import only the part you need (e.g. 'lodash-es/debounce').`,
      );
    }
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    return new TesseraError(
      'INTERNAL',
      `The build worker stopped unexpectedly (${how})${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}.`,
    );
  }

  /** A busy worker keeps the platform's event loop alive (a script awaiting a build must not exit). */
  private active(): void {
    this.child.ref();
    (this.channel as unknown as { ref?: () => void }).ref?.();
  }

  private idle(): void {
    this.child.unref();
    (this.channel as unknown as { unref?: () => void }).unref?.();
    (this.child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

function timeoutError(timeoutMs: number): TesseraError {
  const seconds = timeoutMs >= 1000 ? `${+(timeoutMs / 1000).toFixed(1)} s` : `${timeoutMs} ms`;
  return new TesseraError(
    'BUILD_TIMEOUT',
    `The build took longer than ${seconds} and was stopped. A package (or the code) may be too large to bundle: use a smaller package, or import only the part you need.`,
    {
      details: { timeoutMs },
    },
  );
}

const CODES = new Set<string>([...Object.keys(USER_ERRORS), ...Object.keys(SYSTEM_ERRORS)]);

/** The worker reads tenant code and packages with esbuild: its answers are checked before use. */
function parseFromWorker(value: unknown): FromWorker | null {
  if (!value || typeof value !== 'object') return null;
  const message = value as Record<string, unknown>;
  if (message.type === 'ready') return { type: 'ready' };
  if (typeof message.id !== 'number') return null;
  if (message.type === 'built' && 'value' in message) return { type: 'built', id: message.id, value: message.value };
  const error = message.error as Record<string, unknown> | undefined;
  if (message.type === 'failed' && error && typeof error.code === 'string' && CODES.has(error.code) && typeof error.message === 'string') {
    const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined;
    return { type: 'failed', id: message.id, error: { code: error.code as ErrorCode, message: error.message, ...(details ? { details } : {}) } };
  }
  return null;
}
