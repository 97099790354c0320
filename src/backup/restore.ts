import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { assertEmptyDatabase, restoreRegistry } from '../registry/index.ts';
import { KEY_FILE, parseKey } from '../secrets/index.ts';
import { BackupRefused, extractBackup } from './extract.ts';
import { type BackupManifest, DATA_DIR_ENTRY, registryEntry } from './format.ts';

export interface RestoreOptions {
  /** The backup archive (`tessera backup --out <file>`). */
  file: string;
  /** Where the platform will run: must be empty or absent. */
  dataDir: string;
  /** PostgreSQL for the registry (an empty database); absent: PGlite in DATA_DIR/registry. */
  databaseUrl?: string;
  /** TESSERA_SECRET_KEY of the platform that will run on it, if set: compared with the backup's key. */
  configuredKey?: string;
  /** Each app as its files arrive, for the CLI's progress. */
  progress?: (app: string) => void;
}

export interface RestoreReport {
  manifest: BackupManifest;
  /** What the operator should know (the key left out, or a configured key that differs). */
  warnings: string[];
}

const PAGE_ROWS = 1000;

async function* ndjsonPages(file: string, expected: number, table: string): AsyncGenerator<string[]> {
  let page: string[] = [];
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (!line) continue;
    page.push(line);
    count++;
    if (page.length === PAGE_ROWS) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
  if (count !== expected)
    throw new BackupRefused(`The backup's registry table ${table} has ${count} rows where its manifest says ${expected}: the backup is damaged.`);
}

async function assertEmptyDataDir(dataDir: string): Promise<void> {
  const entries = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new BackupRefused(`Cannot read DATA_DIR ${dataDir}: ${err.message}.`);
  });
  if (entries.length)
    throw new BackupRefused(
      `DATA_DIR ${dataDir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}): a backup is restored onto an empty one. Set DATA_DIR to a new folder. Nothing was changed.`,
    );
}

/**
 * `tessera restore-backup`: offline, onto an empty DATA_DIR and an empty registry. The archive is
 * read and checked whole into a folder beside DATA_DIR first; then the registry is created (the
 * backup's migrations) and filled in one transaction; then the folder becomes DATA_DIR by rename.
 * Any refusal or failure before that leaves DATA_DIR and the database as they were.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const dataDir = path.resolve(options.dataDir);
  const archive = await stat(options.file).catch((err: NodeJS.ErrnoException) => {
    throw new BackupRefused(`Cannot read ${options.file}: ${err.message}.`);
  });
  if (!archive.isFile()) throw new BackupRefused(`${options.file} is not a file.`);
  await assertEmptyDataDir(dataDir);
  if (options.databaseUrl) await assertEmptyDatabase(options.databaseUrl);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const staging = `${dataDir}.restoring-${randomBytes(4).toString('hex')}`;
  try {
    const manifest = await extractBackup(options.file, staging, options.progress);
    const data = path.join(staging, DATA_DIR_ENTRY);
    await mkdir(data, { recursive: true });
    await restoreRegistry(
      { ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), dataDir: data },
      {
        migrations: manifest.registry.migrations,
        tables: manifest.registry.tables.map((t) => t.name),
        rows: (table) => ndjsonPages(path.join(staging, registryEntry(table)), manifest.registry.tables.find((t) => t.name === table)?.rows ?? 0, table),
        sequences: manifest.registry.sequences,
      },
    );
    const warnings = await keyWarnings(manifest, data, options.configuredKey);
    // Still empty? Then the restored folder takes its place.
    await assertEmptyDataDir(dataDir);
    await rmdir(dataDir).catch(() => {});
    await rename(data, dataDir);
    return { manifest, warnings };
  } finally {
    await rm(staging, { recursive: true, force: true, maxRetries: 5 });
  }
}

async function keyWarnings(manifest: BackupManifest, data: string, configured: string | undefined): Promise<string[]> {
  if (!manifest.key)
    return [
      'The backup holds no sealing key (it was made with --without-key): app secrets decrypt only once TESSERA_SECRET_KEY (or DATA_DIR/secret.key) is the key of the platform it came from.',
    ];
  if (!configured) return [];
  const restored = parseKey(await readFile(path.join(data, KEY_FILE), 'utf8'), "the backup's key");
  return restored.equals(parseKey(configured, 'TESSERA_SECRET_KEY'))
    ? []
    : [
        "TESSERA_SECRET_KEY is set and differs from the backup's key: the platform uses TESSERA_SECRET_KEY, so app secrets will not decrypt. Unset it (the restored DATA_DIR/secret.key is the backup's key) or set it to that key.",
      ];
}
