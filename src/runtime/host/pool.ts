import { TesseraError } from '../../errors.ts';
import { SandboxConnection } from './connection.ts';
import { spawnSandbox } from './sandbox-process.ts';

/** What every sandbox of a runtime is started with. */
export interface SandboxSettings {
  scratchDir: string;
  memoryMb: number;
  /** Largest message a sandbox may send, in bytes. */
  maxFrameBytes: number;
  /** Largest response body (each message type's own limit follows from it; see wire.ts). Default: maxFrameBytes. */
  maxBodyBytes?: number;
  isolation?: 'auto' | 'process';
}

/** Spawns a generic sandbox and resolves once it has said it is ready. */
export async function startReadySandbox(settings: SandboxSettings): Promise<SandboxConnection> {
  const child = await spawnSandbox(settings);
  const connection = new SandboxConnection(child, settings.maxFrameBytes, settings.maxBodyBytes);
  await new Promise<void>((resolve, reject) => {
    const stop = connection.onMessage((message) => {
      if (message.type !== 'ready') return;
      stop();
      resolve();
    });
    connection.onExit((exit) =>
      reject(
        new TesseraError(
          'RUNTIME_UNAVAILABLE',
          `A function sandbox could not start (${exit.signal ?? `exit code ${exit.code}`})${exit.stderr ? `: ${exit.stderr.slice(-500)}` : ''}.`,
        ),
      ),
    );
  });
  return connection;
}

/**
 * Sandboxes started ahead of need, as Fission's pool manager keeps generic pods: a sandbox knows
 * nothing of any tenant until its first message (code travels over the channel), so a cold tenant
 * takes one that is already running instead of paying the process start.
 */
export class SandboxPool {
  private readonly ready: SandboxConnection[] = [];
  private starting = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly settings: SandboxSettings,
  ) {
    this.fill();
  }

  /** A ready sandbox, or null when the pool is empty (the caller starts one itself). */
  take(): SandboxConnection | null {
    const connection = this.ready.shift() ?? null;
    this.fill();
    return connection;
  }

  private fill(): void {
    while (!this.closed && this.ready.length + this.starting < this.size) {
      this.starting++;
      startReadySandbox(this.settings).then(
        (connection) => {
          this.starting--;
          if (this.closed) return connection.kill('The platform is shutting down.');
          connection.onExit(() => {
            const index = this.ready.indexOf(connection);
            if (index !== -1) this.ready.splice(index, 1);
          });
          this.ready.push(connection);
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
    for (const connection of this.ready.splice(0)) connection.kill('The platform is shutting down.');
  }
}
