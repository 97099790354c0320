import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.ts';
import type { SnapshotRecord } from '../registry/index.ts';
import { snapshotsToPrune } from './retention.ts';

const NOW = new Date('2026-12-08T12:30:00Z');
let serial = 0;
/** A snapshot taken `minutesAgo` before NOW. */
function snapshot(minutesAgo: number, reason = 'periodic', takenBy = reason === 'periodic' ? 'platform' : 'ada'): SnapshotRecord {
  const at = new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
  return { id: `s${String(serial++).padStart(3, '0')}`, at, reason, release: '1.0.0', bytes: 8192, takenBy };
}
const pruned = (list: SnapshotRecord[], hourly: number, daily: number) =>
  snapshotsToPrune(list, { hourly, daily }, NOW)
    .map((s) => s.at)
    .sort();

describe('the snapshot retention', () => {
  it('keeps the newest periodic snapshot of each of the last `hourly` hours that have one', () => {
    // Every 10 minutes for 5 hours: 12:30 back to 07:40.
    const list = Array.from({ length: 30 }, (_, i) => snapshot(i * 10));
    const gone = snapshotsToPrune(list, { hourly: 3, daily: 0 }, NOW);
    const kept = list.filter((s) => !gone.includes(s)).map((s) => s.at.slice(11, 16));
    // The newest of 12:xx, 11:xx and 10:xx.
    expect(kept).toEqual(['12:30', '11:50', '10:50']);
  });

  it('counts hours and days that have a snapshot, so a quiet app keeps its last states', () => {
    // One periodic snapshot every three days for a month.
    const list = Array.from({ length: 10 }, (_, i) => snapshot(i * 3 * 24 * 60));
    expect(snapshotsToPrune(list, { hourly: 24, daily: 30 }, NOW)).toEqual([]);
    expect(pruned(list, 0, 4)).toEqual(
      list
        .slice(4)
        .map((s) => s.at)
        .sort(),
    );
  });

  it('keeps the newest of each of the last `daily` days', () => {
    // Hourly snapshots for three days.
    const list = Array.from({ length: 72 }, (_, i) => snapshot(i * 60));
    const gone = snapshotsToPrune(list, { hourly: 2, daily: 3 }, NOW);
    const kept = list.filter((s) => !gone.includes(s)).map((s) => s.at.slice(0, 16));
    expect(kept).toEqual(['2026-12-08T12:30', '2026-12-08T11:30', '2026-12-07T23:30', '2026-12-06T23:30']);
  });

  it('keeps manual snapshots and those before deploys and restores for `daily` days, then treats them alike', () => {
    const manual = snapshot(20 * 60, 'manual');
    const deploy = snapshot(2 * 24 * 60, 'before deploy 1.2.0', 'api');
    const restore = snapshot(4 * 24 * 60, 'before restore of s001');
    const list = [snapshot(0), snapshot(10), manual, deploy, restore, snapshot(21 * 60)];
    const gone = snapshotsToPrune(list, { hourly: 1, daily: 3 }, NOW);
    // daily=3: kept 3 days (the restore one is 4 days old; it is still the newest of its day, but that day is not among the 3 newest with a snapshot).
    expect(gone).toContain(restore);
    expect(gone).not.toContain(manual);
    expect(gone).not.toContain(deploy);
    // A periodic one of the same hour as a newer one goes.
    expect(gone.map((s) => s.at)).toContain(list[1]!.at);
  });

  it('always keeps the newest snapshot, whatever the retention', () => {
    const list = [snapshot(0), snapshot(5), snapshot(100)];
    const gone = snapshotsToPrune(list, { hourly: 0, daily: 0 }, NOW);
    expect(gone.map((s) => s.id)).toEqual([list[1]!.id, list[2]!.id]);
    expect(snapshotsToPrune([], { hourly: 0, daily: 0 }, NOW)).toEqual([]);
  });

  it('does not count a user-given reason of "periodic" as periodic', () => {
    const mine = snapshot(10, 'periodic', 'ada');
    expect(snapshotsToPrune([snapshot(0), mine], { hourly: 1, daily: 1 }, NOW)).toEqual([]);
  });
});

describe('SNAPSHOT_RETENTION and SNAPSHOT_INTERVAL_MS', () => {
  it('parses the retention syntax, with defaults', () => {
    expect(resolveConfig({}, '/srv').snapshots).toEqual({ intervalMs: 3_600_000, retention: { hourly: 24, daily: 30 } });
    expect(resolveConfig({ SNAPSHOT_RETENTION: ' daily = 7 ', SNAPSHOT_INTERVAL_MS: '0' }, '/srv').snapshots).toEqual({
      intervalMs: 0,
      retention: { hourly: 0, daily: 7 },
    });
    expect(resolveConfig({ SNAPSHOT_RETENTION: 'hourly=48,daily=90' }, '/srv').snapshots.retention).toEqual({ hourly: 48, daily: 90 });
  });

  it('refuses what it does not understand, naming the variable', () => {
    for (const bad of ['24 hourly', 'hourly=24,hourly=2', 'weekly=4', 'hourly=-1', 'hourly=24;daily=30', '']) {
      expect(() => resolveConfig({ SNAPSHOT_RETENTION: bad }, '/srv'), bad).toThrow(/SNAPSHOT_RETENTION/);
    }
    expect(() => resolveConfig({ SNAPSHOT_INTERVAL_MS: '10' }, '/srv')).toThrow(/SNAPSHOT_INTERVAL_MS: must be 0 \(off\) or at least 1000 ms/);
  });
});
