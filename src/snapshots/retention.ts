import type { SnapshotRetention } from '../config.ts';
import type { SnapshotRecord } from '../registry/index.ts';

/** The reason of the snapshots the platform takes on its own because the data changed. */
export const PERIODIC_REASON = 'periodic';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Whether the platform took it on its own because the data changed (the others: by hand, before a deploy or a restore). */
export function isPeriodic(snapshot: Pick<SnapshotRecord, 'reason' | 'takenBy'>): boolean {
  return snapshot.reason === PERIODIC_REASON && snapshot.takenBy === 'platform';
}

/** The newest snapshot of each of the `count` most recent buckets (hours, days) that have one. */
function newestPerBucket(newestFirst: SnapshotRecord[], count: number, bucketOf: (at: string) => string): Set<string> {
  const kept = new Set<string>();
  const seen = new Set<string>();
  for (const snapshot of newestFirst) {
    if (seen.size >= count) break;
    const bucket = bucketOf(snapshot.at);
    if (seen.has(bucket)) continue;
    seen.add(bucket);
    kept.add(snapshot.id);
  }
  return kept;
}

/**
 * Which snapshots the retention deletes (docs/data-safety.md). One is kept when any of these holds:
 * it is the newest of all; it is the newest of its hour (UTC), among the `hourly` most recent hours
 * that have a snapshot; it is the newest of its day (UTC), among the `daily` most recent days that
 * have one; it was taken by hand or before a deploy or a restore and is less than `daily` days old
 * (at least one day). Counting hours and days that have a snapshot, not clock hours, keeps the last
 * states of an app whose data rarely changes.
 */
export function snapshotsToPrune(snapshots: SnapshotRecord[], retention: SnapshotRetention, now: Date): SnapshotRecord[] {
  const newestFirst = [...snapshots].sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)));
  const hourly = newestPerBucket(newestFirst, retention.hourly, (at) => at.slice(0, 13));
  const daily = newestPerBucket(newestFirst, retention.daily, (at) => at.slice(0, 10));
  const eventWindowMs = Math.max(1, retention.daily) * DAY_MS;
  return newestFirst.filter((snapshot, index) => {
    if (index === 0 || hourly.has(snapshot.id) || daily.has(snapshot.id)) return false;
    const ageMs = now.getTime() - Date.parse(snapshot.at);
    return isPeriodic(snapshot) || ageMs >= eventWindowMs;
  });
}
