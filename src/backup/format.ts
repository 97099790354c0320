import { z } from 'zod';

/**
 * A platform backup is a gzip'd tar archive (POSIX ustar/pax), entries in this order:
 *
 * ```
 * manifest.json                  what this is: format, version, the registry schema, the apps, the key
 * registry/<table>.ndjson        every row of each registry table, one JSON object a line
 * data/tenants/<id>/...          each app: repo/, agent/, db/app.sqlite (live), draft-db/app.sqlite, db/snapshots/
 * data/artifacts/...             released bundles (content-addressed)
 * data/packages/...              the npm package store (content-addressed)
 * data/secret.key                the sealing key (left out with --without-key)
 * end.json                       written last: an archive without it was cut short
 * ```
 *
 * `data/` is laid out as DATA_DIR is, so a restore writes it back as it is.
 */
export const BACKUP_FORMAT = 'tessera-backup';
export const BACKUP_VERSION = 1;
export const MANIFEST_ENTRY = 'manifest.json';
export const END_ENTRY = 'end.json';
export const REGISTRY_DIR = 'registry';
export const DATA_DIR_ENTRY = 'data';

const tableName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/);

export const manifestSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int().positive(),
  createdAt: z.string(),
  registry: z.strictObject({
    backend: z.enum(['pglite', 'postgres']),
    /** drizzle's hashes of the applied migrations, oldest first. */
    migrations: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
    tables: z.array(z.strictObject({ name: tableName, rows: z.number().int().nonnegative() })),
    sequences: z.array(
      z.strictObject({
        name: tableName,
        value: z
          .string()
          .regex(/^-?\d+$/)
          .nullable(),
      }),
    ),
  }),
  apps: z.array(z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)),
  /** Whether data/secret.key is in the archive. */
  key: z.boolean(),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export const endSchema = z.strictObject({ format: z.literal(BACKUP_FORMAT), apps: z.array(z.string()) });

/** The registry rows of `table` inside the archive. */
export const registryEntry = (table: string): string => `${REGISTRY_DIR}/${table}.ndjson`;

/** The warning a backup without its key carries, on the CLI and in the docs. */
export const WITHOUT_KEY_WARNING =
  'This backup does not hold the sealing key (--without-key): the app secrets in it stay sealed and cannot be decrypted without that key. ' +
  'Keep the key (DATA_DIR/secret.key or TESSERA_SECRET_KEY) somewhere safe, apart from the backup; a restored platform needs it as TESSERA_SECRET_KEY or DATA_DIR/secret.key.';
