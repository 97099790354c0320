import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { credentialFor, forgetCredential, rememberCredential } from './credentials.ts';
import { freePort } from './net.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** The platform as `npm start` runs it, in a process of its own: its memory measured alone, its death seen. */
export interface PlatformProcess {
  port: number;
  url: string;
  /** Its TESSERA_TOKEN: the administrator's bearer token, also the draft origins' preview grant. */
  token: string;
  /** The draft origin of an app (what it serves at once, without a release; for members: callApp sends the token). */
  appUrl(tenant: string): string;
  /** Resident memory of the platform process, in MB. */
  rssMb(): number;
  /** The longest its event loop was blocked between two times (Date.now()), in ms (sampled every 200 ms). */
  loopDelayMaxMs(from: number, to: number): number;
  alive(): boolean;
  /** What the platform wrote on stdout and stderr (its log). */
  output(): string;
  /** A control-API call as the administrator. */
  api(method: string, apiPath: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function startPlatformProcess(env: Record<string, string> = {}): Promise<PlatformProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-noisy-'));
  const token = `test-${randomBytes(16).toString('hex')}`;
  const loopFile = path.join(dataDir, 'loop-delay.log');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--import', './test/support/loop-delay.mjs', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      TESSERA_TOKEN: token,
      TESSERA_TEST_LOOP_FILE: loopFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Only the tail: an attack's log lines can be many.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-200_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (!alive()) throw new Error(`the platform exited (${child.exitCode ?? child.signalCode}): ${output.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error('the platform did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  rememberCredential(port, token);
  return {
    port,
    url,
    token,
    appUrl: (tenant) => `http://draft.${tenant}.localhost:${port}/`,
    rssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    loopDelayMaxMs(from, to) {
      let max = 0;
      for (const line of readFileSync(loopFile, 'utf8').split('\n')) {
        const [at, ms] = line.split(' ').map(Number);
        // A sample covers the 200 ms before it.
        if (at! >= from && at! - 200 <= to) max = Math.max(max, ms!);
      }
      return max;
    },
    alive,
    output: () => output,
    async api(method, apiPath, body) {
      const res = await fetch(`${url}${apiPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
    async close() {
      forgetCredential(port);
      if (alive()) {
        child.kill('SIGTERM');
        const exited = new Promise((resolve) => child.once('exit', resolve));
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const agent = new http.Agent({ keepAlive: true });

function grantOf(target: URL): Record<string, string> {
  const token = credentialFor(target, undefined, new Headers());
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** One HTTP call on loopback with the app's Host header; resolves with the status and body. */
export function callApp(url: string, options: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        // A member's token on a draft origin (its preview grant), as a script sends it.
        headers: { host: target.host, ...grantOf(target) },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${options.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The p-th percentile (0-100) of some numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * A well-behaved app called every 20-100 ms (a random pause after each answer), its latencies and
 * failures recorded: what a neighbour of an attacking app sees.
 */
export class Bystander {
  private running = false;
  private loop: Promise<void> | null = null;
  private samples: Array<{ at: number; ms: number }> = [];
  readonly failures: string[] = [];

  constructor(
    private readonly url: string,
    private readonly expected: (text: string) => boolean,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const started = performance.now();
        try {
          const answer = await callApp(this.url, { timeoutMs: 15_000 });
          if (answer.status !== 200 || !this.expected(answer.text)) this.failures.push(`${answer.status}: ${answer.text.slice(0, 200)}`);
        } catch (err) {
          this.failures.push((err as Error).message);
        }
        this.samples.push({ at: started, ms: performance.now() - started });
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
      }
    })();
  }

  /** Latencies (ms) of the calls that started at or after `since` (performance.now()). */
  latenciesSince(since: number): number[] {
    return this.samples.filter((s) => s.at >= since).map((s) => s.ms);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
