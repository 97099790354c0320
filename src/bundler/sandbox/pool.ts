import { TesseraError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { PackageSet } from '../../packages/index.ts';
import { detectIsolation, type Isolation } from '../../runtime/index.ts';
import { BuildWorker, compileWorkerEntry } from './build-worker.ts';
import type { BuildJob, BuildResults } from './messages.ts';

export interface BuildSandboxOptions {
  /** Per build: past it the worker is killed and the build fails with BUILD_TIMEOUT. */
  timeoutMs: number;
  /** V8 heap of a worker and esbuild's GOMEMLIMIT; the address space is capped `headroomMb` above. */
  memoryMb: number;
  headroomMb?: number;
  /** Warm workers alive at most (one per app at a time). */
  maxWorkers: number;
  /** A worker with no build for this long is stopped. */
  idleMs: number;
  /** Largest result a build may send back. */
  maxResultBytes: number;
  /** 'process': never bubblewrap (tests of the fallback). Default: bubblewrap where it works. */
  isolation?: 'auto' | 'process';
  /** Answer the test probes (messages.ts). Tests only. */
  probes?: boolean;
  logger?: Logger;
}

export const DEFAULT_BUILD_SANDBOX: BuildSandboxOptions = {
  timeoutMs: 30_000,
  memoryMb: 1024,
  maxWorkers: 4,
  idleMs: 60_000,
  maxResultBytes: 256 * 1024 * 1024,
};

/** The package-store folders a set's builds may read: each package the lockfile names, nothing else of the store. */
export function packageDirsOf(packages: PackageSet | null | undefined): string[] {
  if (!packages) return [];
  return [...packages.packages.keys()].map((key) => packages.resolveDirOf(key)).sort();
}

interface Slot {
  tenant: string;
  /** The package folders its worker sees (sorted, joined): a build of another set needs another worker. */
  packagesKey: string;
  worker: Promise<BuildWorker>;
}

/**
 * Warm build workers, one per app (keyed by tenant and its package set): a build whose package set
 * differs from its app's worker's gets a new worker (the old one finishes what it has, then stops).
 * A build without packages reads nothing from the store, so it runs in whatever worker its app has.
 * At most `maxWorkers` alive: the least recently used idle one makes room; idle ones stop after `idleMs`.
 */
export class BuildSandbox {
  private readonly slots = new Map<string, Slot>();
  private readonly isolationProbe: Promise<Isolation>;
  private readonly roomWaiters: Array<() => void> = [];
  private warned = false;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(readonly options: BuildSandboxOptions) {
    this.isolationProbe = options.isolation === 'process' ? Promise.resolve('process') : detectIsolation();
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(options.idleMs, 30_000)));
    this.sweeper.unref();
    compileWorkerEntry().catch(() => undefined);
  }

  /** bubblewrap, or separate processes without it (the platform warns at start; REQUIRE_ISOLATION refuses). */
  isolation(): Promise<Isolation> {
    return this.isolationProbe;
  }

  /** Runs `job` in `tenant`'s worker for `packages`; its failures are TesseraErrors as the in-process build's. */
  async run<J extends BuildJob>(tenant: string, packages: PackageSet | null | undefined, job: J): Promise<BuildResults[J['op']]> {
    if (this.closed) throw new Error('the build sandbox is closed');
    const worker = await this.workerFor(tenant, packages ?? null);
    return (await worker.run(job, this.options.timeoutMs)) as BuildResults[J['op']];
  }

  /** Workers alive now (for tests and stats). */
  async workers(): Promise<BuildWorker[]> {
    const settled = await Promise.allSettled([...this.slots.values()].map((slot) => slot.worker));
    return settled.flatMap((s) => (s.status === 'fulfilled' && s.value.alive ? [s.value] : []));
  }

  /** Stops every worker once the builds queued on it are done; builds asked for afterwards are refused. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const workers = await this.workers();
    this.slots.clear();
    await Promise.all(workers.map((worker) => this.retire(worker)));
    await Promise.all(workers.map((worker) => worker.closed()));
  }

  private async workerFor(tenant: string, packages: PackageSet | null): Promise<BuildWorker> {
    const dirs = packageDirsOf(packages);
    const key = dirs.join('\n');
    const slot = this.slots.get(tenant);
    if (slot) {
      const worker = await slot.worker.catch(() => null);
      if (worker?.alive && (slot.packagesKey === key || !packages)) return worker;
      // Dead (timed out, crashed) or built for another package set: the next build gets a fresh one.
      if (this.slots.get(tenant) === slot) this.slots.delete(tenant);
      if (worker?.alive) void this.retire(worker);
    }
    const current = this.slots.get(tenant);
    if (current) return this.workerFor(tenant, packages);
    await this.makeRoom();
    const again = this.slots.get(tenant);
    if (again) return this.workerFor(tenant, packages);
    const started = this.start(dirs);
    this.slots.set(tenant, { tenant, packagesKey: key, worker: started });
    started.catch(() => {
      if (this.slots.get(tenant)?.worker === started) this.slots.delete(tenant);
    });
    return started;
  }

  private async start(packageDirs: string[]): Promise<BuildWorker> {
    const isolation = await this.isolationProbe;
    if (isolation !== 'bubblewrap' && !this.warned) {
      this.warned = true;
      this.options.logger?.warn(
        'bubblewrap cannot run here: builds of tenant code and npm packages run in separate processes WITHOUT a sandbox (they can read any file the platform can). Install bubblewrap, or set REQUIRE_ISOLATION=true to refuse to start.',
      );
    }
    return BuildWorker.start({
      isolation,
      memoryMb: this.options.memoryMb,
      headroomMb: this.options.headroomMb ?? 2048,
      maxResultBytes: this.options.maxResultBytes,
      packageDirs,
      probes: Boolean(this.options.probes),
    });
  }

  /** Retires the least recently used idle worker when the bound is reached; waits while all are busy. */
  private async makeRoom(): Promise<void> {
    for (;;) {
      if (this.slots.size < this.options.maxWorkers) return;
      let oldest: { tenant: string; worker: BuildWorker } | null = null;
      for (const [tenant, slot] of this.slots) {
        const worker = await slot.worker.catch(() => null);
        if (!worker?.alive) {
          this.slots.delete(tenant);
          return;
        }
        if (worker.busy === 0 && (!oldest || worker.lastUsed < oldest.worker.lastUsed)) oldest = { tenant, worker };
      }
      if (oldest) {
        this.slots.delete(oldest.tenant);
        void this.retire(oldest.worker);
        return;
      }
      await new Promise<void>((resolve) => {
        this.roomWaiters.push(resolve);
        setTimeout(resolve, 50).unref();
      });
    }
  }

  /** Stops a worker once the builds queued on it are done. */
  private async retire(worker: BuildWorker): Promise<void> {
    while (worker.busy > 0 && worker.alive) await new Promise((resolve) => setTimeout(resolve, 20));
    worker.kill(new TesseraError('INTERNAL', 'The build worker was retired.'));
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const [tenant, slot] of this.slots) {
      const worker = await slot.worker.catch(() => null);
      if (!worker?.alive) {
        if (this.slots.get(tenant) === slot) this.slots.delete(tenant);
      } else if (worker.busy === 0 && now - worker.lastUsed >= this.options.idleMs) {
        if (this.slots.get(tenant) === slot) this.slots.delete(tenant);
        void this.retire(worker);
      }
    }
  }
}
