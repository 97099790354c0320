/**
 * Platform backups: `tessera backup` (online: the server writes one consistent archive of the
 * registry, every app's repository and databases, the stores and the key) and `tessera
 * restore-backup` (offline, onto an empty DATA_DIR and registry). The archive's layout is in format.ts.
 */
export { startBackup, type BackupSources, type RunningBackup } from './writer.ts';
export { restoreBackup, type RestoreOptions, type RestoreReport } from './restore.ts';
export { BackupRefused } from './extract.ts';
export { followBackup, type BackupProgressEvent } from './progress.ts';
export { BACKUP_FORMAT, END_ENTRY, MANIFEST_ENTRY, manifestSchema, WITHOUT_KEY_WARNING, type BackupManifest } from './format.ts';
