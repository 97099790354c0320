import { open, stat } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import type { SnapshotRecord } from '../registry/index.ts';
import type { TenantDbPool } from '../tenantdb/index.ts';
import { PERIODIC_REASON } from './retention.ts';
import type { LiveSnapshots } from './service.ts';

/**
 * What the live database's files look like from outside: sizes and modification times of the file
 * and its write-ahead log, read with stat only (the platform never opens a tenant's SQLite file).
 * Any commit writes the log (or, checkpointed, the file), so any change of the data changes this.
 * An empty or missing log counts the same: opening the database creates an empty one.
 */
async function signatureOf(file: string): Promise<{ key: string; modifiedMs: number } | null> {
  const main = await stat(file, { bigint: true }).catch(() => null);
  if (!main) return null;
  const wal = await stat(`${file}-wal`, { bigint: true }).catch(() => null);
  const walWritten = wal !== null && wal.size > 0n;
  return {
    key: `${main.size}:${main.mtimeNs}${walWritten ? `|${wal.size}:${wal.mtimeNs}` : ''}`,
    modifiedMs: Math.max(Number(main.mtimeMs), walWritten ? Number(wal.mtimeMs) : 0),
  };
}

/** Whether two files hold the same bytes (read in chunks; never parsed). */
async function sameBytes(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const [sa, sb] = await Promise.all([fa.stat(), fb.stat()]);
    if (sa.size !== sb.size) return false;
    const size = 1024 * 1024;
    const ba = Buffer.alloc(size);
    const bb = Buffer.alloc(size);
    for (let position = 0; position < sa.size; position += size) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, size, position), fb.read(bb, 0, size, position)]);
      if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

export interface PeriodicSnapshotOptions {
  snapshots: LiveSnapshots;
  dbPool: Pick<TenantDbPool, 'location' | 'exists'>;
  /** The apps there are (every replica's). */
  listApps: () => Promise<string[]>;
  /** Whether this replica holds the app now: only its holder snapshots it. */
  holds: (tenantId: string) => boolean;
  /** SNAPSHOT_INTERVAL_MS; 0: no periodic snapshots. */
  intervalMs: number;
  logger: Logger;
}

/**
 * Snapshots each app's live data every `intervalMs` when it changed since the last look, for the
 * apps this replica holds, one app at a time (a round ends before the next is scheduled, so two
 * never overlap for one app), then prunes by the retention. Whether the data changed is read from
 * the files' sizes and times; right after a restart (nothing remembered yet) a file written after
 * the app's newest snapshot counts as changed. A snapshot that turns out byte for byte the same as
 * the newest one (the log was checkpointed into the file, nothing else) is dropped again.
 */
export class PeriodicSnapshots {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<unknown> | null = null;
  private stopped = false;
  /** Each app's file signature when last looked at (its data then is in a snapshot). */
  private readonly seen = new Map<string, string>();

  constructor(private readonly options: PeriodicSnapshotOptions) {}

  /** Starts the timer (unref'd: it never keeps the process alive); nothing when the interval is 0. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.round = this.runRound().finally(() => {
        this.round = null;
        this.start();
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.round;
  }

  /** Forgets what was seen of an app (deleted, or handed to another replica). */
  forget(tenantId: string): void {
    this.seen.delete(tenantId);
  }

  /** One round over the apps held here; returns the snapshots taken. */
  async runRound(): Promise<SnapshotRecord[]> {
    const taken: SnapshotRecord[] = [];
    for (const id of await this.options.listApps().catch(() => [] as string[])) {
      if (this.stopped) break;
      if (!this.options.holds(id) || !this.options.dbPool.exists(id, 'live')) continue;
      try {
        const snapshot = await this.check(id);
        if (snapshot) taken.push(snapshot);
      } catch (err) {
        this.options.logger.warn({ tenant: id, err }, 'periodic snapshot failed');
      }
    }
    return taken;
  }

  /** Snapshots one app's live data if it changed (then prunes); returns the snapshot, or null. */
  check(tenantId: string): Promise<SnapshotRecord | null> {
    const { snapshots, dbPool } = this.options;
    return snapshots.exclusive(tenantId, async (held) => {
      const signature = await signatureOf(dbPool.location(tenantId, 'live').file);
      if (!signature) return null;
      const [newest] = await snapshots.list(tenantId);
      const seen = this.seen.get(tenantId);
      const changed = seen !== undefined ? seen !== signature.key : !newest || signature.modifiedMs > Date.parse(newest.at);
      if (!changed) {
        this.seen.set(tenantId, signature.key);
        await held.prune();
        return null;
      }
      const snapshot = await held.take(PERIODIC_REASON);
      // The signature read before the copy: a write after that changes it again, so it is seen next round.
      this.seen.set(tenantId, signature.key);
      const same =
        newest !== undefined &&
        newest.bytes === snapshot.bytes &&
        (await sameBytes(snapshots.fileOf(tenantId, newest.id), snapshots.fileOf(tenantId, snapshot.id)).catch(() => false));
      if (same) {
        await held.remove([snapshot.id]);
        await held.prune();
        return null;
      }
      await held.prune();
      return snapshot;
    });
  }
}
