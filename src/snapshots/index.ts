/**
 * Snapshots of apps' live databases: taken before deploys, migrations and restores, periodically
 * when the data changed, and by hand; restored atomically.
 */
export { LiveSnapshots, SNAPSHOTS_DIR, type RestoreResult } from './service.ts';
export type { SnapshotRecord } from '../registry/index.ts';
