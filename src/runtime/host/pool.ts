import type { ChildProcess } from 'node:child_process';
import { TesseraError } from '../../errors.ts';
import { spawnSandbox } from './sandbox-process.ts';

/** Spawns a generic sandbox and resolves once it has said it is ready. */
export async function startReadySandbox(options: { scratchDir: string; memoryMb: number }): Promise<ChildProcess> {
  const child = await spawnSandbox({ tenant: '', scratchDir: options.scratchDir, memoryMb: options.memoryMb });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code, signal) => reject(new TesseraError('RUNTIME_UNAVAILABLE', `A function sandbox could not start (${signal ?? `exit ${code}`}).`)));
  });
  return child;
}

/**
 * Sandboxes started ahead of need, as Fission's pool manager keeps generic pods: a sandbox knows
 * nothing of any tenant until its first message (code travels over IPC), so a cold tenant takes
 * one that is already running instead of paying the process start.
 */
export class SandboxPool {
  private readonly ready: ChildProcess[] = [];
  private starting = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly options: { scratchDir: string; memoryMb: number },
  ) {
    this.fill();
  }

  /** A ready sandbox, or null when the pool is empty (the caller starts one itself). */
  take(): ChildProcess | null {
    const child = this.ready.shift() ?? null;
    this.fill();
    return child;
  }

  private fill(): void {
    while (!this.closed && this.ready.length + this.starting < this.size) {
      this.starting++;
      startReadySandbox(this.options).then(
        (child) => {
          this.starting--;
          if (this.closed) {
            child.kill('SIGKILL');
            return;
          }
          child.once('exit', () => {
            const index = this.ready.indexOf(child);
            if (index !== -1) this.ready.splice(index, 1);
          });
          this.ready.push(child);
        },
        () => {
          // Keep the pool from spinning on a machine where sandboxes cannot start; callers will report it.
          this.starting--;
        },
      );
    }
  }

  close(): void {
    this.closed = true;
    for (const child of this.ready.splice(0)) child.kill('SIGKILL');
  }
}
