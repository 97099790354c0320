import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { request, type SimpleResponse } from '../http.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** Settings the crash suite's server keeps across restarts: the same port, DATA_DIR, token and key. */
export interface ServerSettings {
  port: number;
  dataDir: string;
  token: string;
  env: Record<string, string>;
}

/**
 * The real server, as `npm start` runs it (`node --import tsx src/main.ts`, embedded PGlite registry),
 * in a process group of its own: the suite SIGKILLs the server process alone, as the kernel's OOM
 * killer or a crash would, and afterwards checks that the group's other processes (db processes,
 * function processes) went away by themselves.
 */
export class CrashServer {
  child: ChildProcess | null = null;
  private stderr = '';
  /** Process groups of every server started, for the final clean-up of anything left behind. */
  readonly groups: number[] = [];

  constructor(readonly settings: ServerSettings) {}

  get url(): string {
    return `http://127.0.0.1:${this.settings.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const { port, dataDir, token, env } = this.settings;
    this.stderr = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      detached: true,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'error',
        TESSERA_TOKEN: token,
        TESSERA_SECRET_KEY: 'cd'.repeat(32),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
    this.child = child;
    this.groups.push(child.pid!);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {}
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} while starting:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`the server did not start within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL to the server process only; resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Waits until no process of the killed server's group is left; false if some outlived `timeoutMs`. */
  async groupGone(group: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        process.kill(-group, 0);
      } catch {
        return true;
      }
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops everything this suite started: SIGKILL to every group (what is already gone is skipped). */
  async stopAll(): Promise<void> {
    await this.kill();
    for (const group of this.groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {}
    }
  }

  recentStderr(): string {
    return this.stderr;
  }

  /** A control-API call as the administrator: the parsed answer, or an error naming the status. */
  async api(method: string, route: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.settings.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A server that hangs after a restart is a finding, not a stuck suite.
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) throw new ApiError(`${method} ${route}: ${res.status} ${text.slice(0, 500)}`, res.status);
    return text ? JSON.parse(text) : null;
  }

  /** A request to an app's live origin (`<app>.localhost:PORT`). */
  live(app: string, route: string, options: { method?: string; body?: unknown } = {}): Promise<SimpleResponse> {
    return request(`${this.url}${route}`, {
      method: options.method ?? 'GET',
      host: `${app}.localhost:${this.settings.port}`,
      headers: { 'x-test-anonymous': '1' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  }
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
