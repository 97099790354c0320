import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { compareRegistrySchema } from '../registry/index.ts';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupManifest,
  DATA_DIR_ENTRY,
  END_ENTRY,
  endSchema,
  MANIFEST_ENTRY,
  manifestSchema,
  REGISTRY_DIR,
} from './format.ts';

/** A backup file this version cannot (or must not) restore; the message says why. Nothing was changed. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const REGISTRY_FILE = /^registry\/([a-z_][a-z0-9_]{0,62})\.ndjson$/;
const KEY_ENTRY = `${DATA_DIR_ENTRY}/secret.key`;
/** The folders of DATA_DIR a backup restores (writer.ts). */
const DATA_FOLDERS = ['tenants', 'artifacts', 'packages'];

/**
 * An entry's path as a list of plain segments, or a refusal: archive entries are hostile input, so
 * no absolute path, no `..` or `.`, no backslash or NUL, nothing outside the layout of format.ts.
 */
function safeSegments(raw: string): string[] {
  const trimmed = raw.replace(/\/+$/, '');
  const segments = trimmed.split('/');
  if (!trimmed || raw.startsWith('/') || /[\\\0]/.test(raw) || segments.some((s) => s === '' || s === '.' || s === '..'))
    throw new BackupRefused(`The archive has an entry with an unsafe path, ${JSON.stringify(raw)}: it is not a backup Tessera wrote. Nothing was changed.`);
  return segments;
}

async function readSmall(entry: ReadEntry, limit: number): Promise<string> {
  if (entry.size > limit) throw new BackupRefused(`${entry.path} is ${entry.size} bytes, more than a Tessera backup writes.`);
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson<T>(text: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackupRefused(`${what} is not JSON: this is not a Tessera backup.`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BackupRefused(`${what} is not what a Tessera backup holds: this is not a Tessera backup (or one damaged).`);
  return parsed.data;
}

/** Checks a manifest can be restored by this version; throws BackupRefused naming the reason. */
function checkManifest(manifest: BackupManifest): void {
  if (manifest.version > BACKUP_VERSION)
    throw new BackupRefused(`This backup has format version ${manifest.version}; this Tessera reads up to ${BACKUP_VERSION}. Restore it with a newer Tessera.`);
  const schema = compareRegistrySchema(manifest.registry.migrations);
  if (schema === 'newer')
    throw new BackupRefused(
      `This backup comes from a newer Tessera: its registry schema has ${manifest.registry.migrations.length} migrations, this version knows fewer. Restore it with that version (or newer).`,
    );
  if (schema === 'different')
    throw new BackupRefused(
      "This backup's registry schema is not one this version of Tessera has (its migrations differ). Restore it with the version that wrote it.",
    );
}

/**
 * Reads a backup archive into `into/data` (DATA_DIR's layout) and `into/registry` (the rows),
 * checking every entry as it comes: the manifest first, only files and folders at the layout's
 * paths (a hard link only to a file already read), and `end.json` last. Throws BackupRefused on
 * anything else, and on an archive cut short. The manifest it returns lists the apps the archive
 * holds (`end.json`'s: an app deleted while the backup ran is not among them).
 */
export async function extractBackup(file: string, into: string, progress: (app: string) => void = () => {}): Promise<BackupManifest> {
  let manifest: BackupManifest | undefined;
  /** The apps `end.json` says the archive holds (an app deleted while the backup ran is left out); null until it is read. */
  let ended: string[] | null = null;
  const apps = new Set<string>();
  const tables = new Set<string>();
  // Entries are handled one at a time, in order: each waits for the one before it.
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  /** The entry being handled, and the file it is written to: stopped when the archive breaks off. */
  const current: { entry: ReadEntry | null; file: WriteStream | null; stopped: boolean } = { entry: null, file: null, stopped: false };
  const parser = new Parser({
    strict: true,
    // The operator's own data: SQLite files with free pages compress far beyond tar's default guard.
    maxDecompressionRatio: Number.POSITIVE_INFINITY,
    onReadEntry(entry) {
      // Paused until its turn: the parser buffers meanwhile, and back-pressure holds the file's reading.
      entry.pause();
      chain = chain
        .then(() => {
          current.entry = entry;
          current.file = null;
          return handle(entry);
        })
        .catch((err: unknown) => {
          failure ??= err;
          entry.resume();
          parser.abort(err instanceof Error ? err : new Error(String(err)));
        });
    },
  });

  async function handle(entry: ReadEntry): Promise<void> {
    if (failure) return void entry.resume();
    if (ended) throw new BackupRefused(`The archive goes on after ${END_ENTRY}: it is not a backup Tessera wrote.`);
    const segments = safeSegments(entry.path);
    const relative = segments.join('/');
    if (!manifest) {
      if (relative !== MANIFEST_ENTRY || entry.type !== 'File')
        throw new BackupRefused(`The archive does not start with ${MANIFEST_ENTRY}: it is not a Tessera backup.`);
      manifest = parseJson(await readSmall(entry, MAX_MANIFEST_BYTES), manifestSchema, MANIFEST_ENTRY);
      checkManifest(manifest);
      return;
    }
    if (relative === END_ENTRY && entry.type === 'File') {
      const end = parseJson(await readSmall(entry, MAX_MANIFEST_BYTES), endSchema, END_ENTRY);
      if (end.format !== BACKUP_FORMAT || end.apps.some((app) => !manifest!.apps.includes(app)))
        throw new BackupRefused(`${END_ENTRY} does not match the manifest.`);
      ended = end.apps;
      return;
    }
    const isDir = entry.type === 'Directory';
    if (segments[0] === REGISTRY_DIR && isDir && segments.length === 1) return void entry.resume();
    if (segments[0] === REGISTRY_DIR) {
      const table = REGISTRY_FILE.exec(relative)?.[1];
      if (!table || entry.type !== 'File' || !manifest.registry.tables.some((t) => t.name === table))
        throw new BackupRefused(`Unexpected registry entry ${JSON.stringify(entry.path)} in the archive.`);
      tables.add(table);
      return write(entry, path.join(into, relative), 0o600);
    }
    if (segments[0] !== DATA_DIR_ENTRY || segments.length < 2)
      throw new BackupRefused(`Unexpected entry ${JSON.stringify(entry.path)}: a Tessera backup holds only manifest.json, registry/, data/ and end.json.`);
    // Only what a backup writes into DATA_DIR: never the registry's own folder (a PGlite database the
    // restore would then open), never a key the manifest does not announce.
    const isKey = relative === KEY_ENTRY && entry.type === 'File';
    if (!(DATA_FOLDERS.includes(segments[1]!) || (isKey && manifest.key)))
      throw new BackupRefused(`Unexpected entry ${JSON.stringify(entry.path)}: a backup's data/ holds only ${DATA_FOLDERS.join('/, ')}/ and the key.`);
    if (segments[1] === 'tenants' && segments[2]) {
      if (!manifest.apps.includes(segments[2])) throw new BackupRefused(`The archive holds files of an app its manifest does not list: ${segments[2]}.`);
      if (!apps.has(segments[2])) progress(segments[2]);
      apps.add(segments[2]);
    }
    const target = path.join(into, relative);
    if (isDir) {
      entry.resume();
      return void (await mkdir(target, { recursive: true }));
    }
    if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') return write(entry, target, (entry.mode ?? 0o644) & 0o755);
    if (entry.type === 'Link' && entry.linkpath) {
      // A hard link names a file of the same archive (tar writes one for files that share an inode).
      const source = safeSegments(entry.linkpath);
      if (source[0] !== DATA_DIR_ENTRY) throw new BackupRefused(`A hard link in the archive points outside data/: ${JSON.stringify(entry.linkpath)}.`);
      entry.resume();
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(into, ...source), target).catch(() => {
        throw new BackupRefused(`A hard link in the archive names ${JSON.stringify(entry.linkpath)}, which comes later or not at all.`);
      });
      return;
    }
    throw new BackupRefused(
      `The archive's entry ${JSON.stringify(entry.path)} is a ${entry.type}: a Tessera backup holds only files and folders (never symbolic links). Nothing was changed.`,
    );
  }

  async function write(entry: ReadEntry, target: string, mode: number): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    // 'wx': an entry never replaces another (or anything a previous entry could have placed there).
    if (current.stopped) return;
    const file = createWriteStream(target, { flags: 'wx', mode });
    current.file = file;
    await pipeline(entry, file);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      const input = createReadStream(file);
      input.on('error', reject);
      parser.on('error', reject);
      parser.on('abort', reject);
      parser.on('end', resolve);
      input.pipe(parser);
    });
  } catch (err) {
    const refusal = failure;
    // The archive broke off inside an entry, which will never end: stop its handling, so nothing
    // is still writing when the caller removes what was extracted.
    current.stopped = true;
    current.file?.destroy();
    current.entry?.destroy();
    await Promise.race([chain, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    if (refusal) throw refusal;
    throw new BackupRefused(`${file} is not a complete Tessera backup: ${(err as Error).message}. Nothing was changed.`);
  }
  await chain;
  if (failure) throw failure;
  if (!manifest) throw new BackupRefused(`${file} is not a Tessera backup (no ${MANIFEST_ENTRY}).`);
  // Set by the entry handler: TypeScript cannot see that assignment from here.
  const included = ended as string[] | null;
  if (!included) throw new BackupRefused(`${file} was cut short: it ends before ${END_ENTRY}, so it is incomplete. Nothing was changed.`);
  const missingApps = included.filter((app) => !apps.has(app));
  const missingTables = manifest.registry.tables.filter((t) => !tables.has(t.name));
  if (missingApps.length || missingTables.length)
    throw new BackupRefused(`The backup lacks ${[...missingApps.map((a) => `app ${a}`), ...missingTables.map((t) => `registry table ${t.name}`)].join(', ')}.`);
  if (manifest.key !== (await exists(path.join(into, DATA_DIR_ENTRY, 'secret.key')))) throw new BackupRefused("The backup's key does not match its manifest.");
  return { ...manifest, apps: included };
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
