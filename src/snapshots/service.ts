import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotRetention } from '../config.ts';
import { TesseraError } from '../errors.ts';
import { KeyedLock } from '../lock.ts';
import type { Logger } from '../log.ts';
import type { ReleaseStore, SnapshotRecord, SnapshotStore } from '../registry/index.ts';
import type { TenantDbPool } from '../tenantdb/index.ts';
import { snapshotsToPrune } from './retention.ts';

/** Snapshot files, in the live database's folder (the only place its db process may write). */
export const SNAPSHOTS_DIR = 'snapshots';

/** `20261208T001530Z-3f9a1c`: sorts by time, unique, and safe as a file name. */
function newSnapshotId(at: Date): string {
  return `${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

const SNAPSHOT_ID = /^[0-9]{8}t[0-9]{6}z-[0-9a-f]{6}$/;
/** A snapshot's file, or the temporary one a copy writes first (`.partial`, see tenantdb's copyTo). */
const SNAPSHOT_FILE = /^([0-9]{8}t[0-9]{6}z-[0-9a-f]{6})\.sqlite(\.partial)?$/;

/** What `exclusive` work may do with the app's snapshots while it holds them. */
export interface HeldSnapshots {
  take(reason: string): Promise<SnapshotRecord>;
  remove(ids: string[]): Promise<void>;
  prune(): Promise<string[]>;
}

export interface RestoreResult {
  restored: SnapshotRecord;
  /** The live data as it was just before the restore (restore that one to undo the restore). */
  before: SnapshotRecord;
  warnings: string[];
}

/**
 * Snapshots of each app's live database: a consistent copy (VACUUM INTO, by the app's own db
 * process) in `DATA_DIR/tenants/<id>/db/snapshots/<snapshot>.sqlite`, listed in the registry. The
 * file is complete before the registry names it, so a listed snapshot can always be restored; a file
 * a crash left unlisted is removed by the next prune.
 */
export class LiveSnapshots {
  /** One take, restore or prune per app at a time: a prune never sees a file before its record, nor deletes one being restored. */
  private readonly lock = new KeyedLock();

  constructor(
    private readonly deps: {
      registry: SnapshotStore & Pick<ReleaseStore, 'liveVersion'>;
      dbPool: TenantDbPool;
      logger: Logger;
      /** Which snapshots are kept (pruned after each one taken); absent: all. */
      retention?: SnapshotRetention;
    },
  ) {}

  /** Where a snapshot's file is. */
  fileOf(tenantId: string, snapshotId: string): string {
    return path.join(this.deps.dbPool.location(tenantId, 'live').dir, SNAPSHOTS_DIR, `${snapshotId}.sqlite`);
  }

  /**
   * Copies the live database now, then prunes what the retention no longer keeps. `reason`: e.g.
   * "before deploy 1.2.0", "manual"; `takenBy`: who asked ("platform" for automatic ones).
   */
  async take(tenantId: string, reason: string, takenBy = 'platform'): Promise<SnapshotRecord> {
    return this.lock.run(tenantId, async () => {
      const record = await this.takeNow(tenantId, reason, takenBy);
      await this.pruneQuietly(tenantId);
      return record;
    });
  }

  private async takeNow(tenantId: string, reason: string, takenBy: string): Promise<SnapshotRecord> {
    const at = new Date();
    const id = newSnapshotId(at);
    const { bytes } = await this.deps.dbPool.get(tenantId, 'live').copyTo(`${SNAPSHOTS_DIR}/${id}.sqlite`);
    const record: SnapshotRecord = { id, at: at.toISOString(), reason, release: await this.deps.registry.liveVersion(tenantId), bytes, takenBy };
    try {
      await this.deps.registry.addSnapshot(tenantId, record);
    } catch (err) {
      await rm(this.fileOf(tenantId, id), { force: true });
      throw err;
    }
    this.deps.logger.info({ tenant: tenantId, snapshot: id, reason, bytes }, 'snapshot taken');
    return record;
  }

  list(tenantId: string): Promise<SnapshotRecord[]> {
    return this.deps.registry.listSnapshots(tenantId);
  }

  /** The snapshot `snapshotId` of the app, or NOT_FOUND (also for an id that is not one). */
  async get(tenantId: string, snapshotId: string): Promise<SnapshotRecord> {
    const record = SNAPSHOT_ID.test(snapshotId) ? await this.deps.registry.getSnapshot(tenantId, snapshotId) : null;
    if (!record || !existsSync(this.fileOf(tenantId, snapshotId)))
      throw new TesseraError(
        'NOT_FOUND',
        `"${tenantId}" has no snapshot ${JSON.stringify(snapshotId)}. List them with GET /api/tenants/${tenantId}/snapshots.`,
      );
    return record;
  }

  /**
   * Puts a snapshot's data back as the live data, atomically (after the live calls already queued,
   * the file is swapped whole). The current live data is snapshotted first, so a restore can itself
   * be undone. The live release stays: if the snapshot is from another release's time its schema may
   * differ from what that release expects, which the warnings say.
   */
  async restore(tenantId: string, snapshotId: string, takenBy: string): Promise<RestoreResult> {
    const { restored, before } = await this.lock.run(tenantId, async () => {
      const restored = await this.get(tenantId, snapshotId);
      const before = await this.takeNow(tenantId, `before restore of ${snapshotId}`, takenBy);
      await this.deps.dbPool.replace(tenantId, 'live', this.fileOf(tenantId, snapshotId), { keepSource: true });
      await this.pruneQuietly(tenantId);
      return { restored, before };
    });
    this.deps.logger.info({ tenant: tenantId, snapshot: snapshotId, before: before.id }, 'snapshot restored');
    const live = before.release;
    const warnings =
      restored.release !== live
        ? [
            `This snapshot was taken while ${restored.release ? `release ${restored.release}` : 'no release'} was live; ${live ? `release ${live}` : 'no release'} is live now. Its code may expect another schema: roll back to ${restored.release ?? 'a matching release'} or deploy one that fits this data.`,
          ]
        : [];
    return { restored, before, warnings };
  }

  /** Deletes snapshots (registry row first, then the file). */
  async remove(tenantId: string, ids: string[]): Promise<void> {
    await this.lock.run(tenantId, () => this.removeNow(tenantId, ids));
  }

  private async removeNow(tenantId: string, ids: string[]): Promise<void> {
    await this.deps.registry.removeSnapshots(tenantId, ids);
    await Promise.all(ids.map((id) => rm(this.fileOf(tenantId, id), { force: true })));
  }

  /**
   * Deletes the snapshots the retention no longer keeps (see retention.ts) and the files in the
   * snapshots folder that no record names (a crash between a copy and its record, or between a
   * record's deletion and its file's). Returns the ids of the snapshots deleted.
   */
  async prune(tenantId: string, now = new Date()): Promise<string[]> {
    return this.lock.run(tenantId, () => this.pruneNow(tenantId, now));
  }

  /** A prune after a snapshot or a restore: its failure is logged, never the failure of what it follows (a deploy, say). */
  private async pruneQuietly(tenantId: string): Promise<void> {
    await this.pruneNow(tenantId).catch((err: unknown) => this.deps.logger.warn({ tenant: tenantId, err }, 'pruning snapshots failed'));
  }

  private async pruneNow(tenantId: string, now = new Date()): Promise<string[]> {
    const listed = await this.deps.registry.listSnapshots(tenantId);
    const pruned = this.deps.retention ? snapshotsToPrune(listed, this.deps.retention, now).map((s) => s.id) : [];
    if (pruned.length) {
      await this.removeNow(tenantId, pruned);
      this.deps.logger.info({ tenant: tenantId, pruned }, 'snapshots pruned');
    }
    const known = new Set(listed.map((s) => s.id));
    const dir = path.dirname(this.fileOf(tenantId, 'x'));
    const files = await readdir(dir).catch(() => [] as string[]);
    // Only names a snapshot could have: anything else in the folder is not this module's to delete.
    const orphans = files.filter((name) => {
      const match = SNAPSHOT_FILE.exec(name);
      return match !== null && (match[2] !== undefined || !known.has(match[1]!));
    });
    await Promise.all(orphans.map((name) => rm(path.join(dir, name), { force: true })));
    if (orphans.length) this.deps.logger.warn({ tenant: tenantId, files: orphans }, 'snapshot files without a record removed');
    return pruned;
  }

  /**
   * Runs `work` while no other snapshot of the app is taken, restored or pruned, with the
   * operations it may use meanwhile (the periodic job: look, take, maybe drop it again, prune).
   */
  exclusive<T>(tenantId: string, work: (held: HeldSnapshots) => Promise<T>): Promise<T> {
    return this.lock.run(tenantId, () =>
      work({
        take: (reason) => this.takeNow(tenantId, reason, 'platform'),
        remove: (ids) => this.removeNow(tenantId, ids),
        prune: () => this.pruneNow(tenantId),
      }),
    );
  }
}
