import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from './db.ts';
import type { SnapshotInfo } from '../../wire/api.ts';
import { appSnapshots } from './schema.ts';

/** A snapshot of an app's live database: what the owners' routes answer (declared once, in wire/). */
export type SnapshotRecord = SnapshotInfo;

/** Which snapshots of each app exist (their files are in the app's database folder). */
export interface SnapshotStore {
  addSnapshot(tenant: string, snapshot: SnapshotRecord): Promise<void>;
  /** The app's snapshots, newest first. */
  listSnapshots(tenant: string): Promise<SnapshotRecord[]>;
  getSnapshot(tenant: string, id: string): Promise<SnapshotRecord | null>;
  removeSnapshots(tenant: string, ids: string[]): Promise<void>;
}

export function snapshotStore(db: Db): SnapshotStore {
  return {
    async addSnapshot(tenant, snapshot) {
      await db.insert(appSnapshots).values({ ...snapshot, tenant, at: new Date(snapshot.at) });
    },
    async listSnapshots(tenant) {
      const rows = await db.select().from(appSnapshots).where(eq(appSnapshots.tenant, tenant)).orderBy(desc(appSnapshots.at), desc(appSnapshots.id));
      return rows.map(recordOf);
    },
    async getSnapshot(tenant, id) {
      const [row] = await db
        .select()
        .from(appSnapshots)
        .where(and(eq(appSnapshots.tenant, tenant), eq(appSnapshots.id, id)));
      return row ? recordOf(row) : null;
    },
    async removeSnapshots(tenant, ids) {
      if (ids.length === 0) return;
      await db.delete(appSnapshots).where(and(eq(appSnapshots.tenant, tenant), inArray(appSnapshots.id, ids)));
    },
  };
}

function recordOf(row: typeof appSnapshots.$inferSelect): SnapshotRecord {
  return { id: row.id, at: new Date(row.at).toISOString(), reason: row.reason, release: row.release, bytes: Number(row.bytes), takenBy: row.takenBy };
}
