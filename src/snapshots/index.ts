/**
 * Snapshots of apps' live databases: taken before deploys, migrations and restores, periodically
 * when the data changed, and by hand; restored atomically; pruned by the retention.
 */
export { LiveSnapshots, SNAPSHOTS_DIR, type HeldSnapshots, type RestoreResult } from './service.ts';
export { PeriodicSnapshots, type PeriodicSnapshotOptions } from './periodic.ts';
export { isPeriodic, PERIODIC_REASON, snapshotsToPrune } from './retention.ts';
export type { SnapshotRecord } from '../registry/index.ts';
