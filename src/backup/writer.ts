import { randomBytes } from 'node:crypto';
import { appendFile, lstat, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Pack } from 'tar';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RegistryDumpStore } from '../registry/index.ts';
import type { TenantManager } from '../tenants/index.ts';
import type { DbKind } from '../tenantdb/index.ts';
import { copyOne, copyTree, isUnfinished, listTree } from './files.ts';
import { BACKUP_FORMAT, BACKUP_VERSION, type BackupManifest, END_ENTRY, MANIFEST_ENTRY, REGISTRY_DIR, registryEntry } from './format.ts';

/** What a backup reads from the running platform. */
export interface BackupSources {
  dataDir: string;
  registry: RegistryDumpStore & { backend: 'pglite' | 'postgres' };
  tenants: Pick<TenantManager, 'list' | 'withLock'>;
  /** Where a tenant's database of `kind` lives, and whether it exists yet (tenantdb's pool). */
  databases: { location(tenant: string, kind: DbKind): { dir: string; file: string }; exists(tenant: string, kind: DbKind): boolean };
  /** The sealing key (TESSERA_SECRET_KEY or DATA_DIR/secret.key). */
  sealingKey(): Buffer;
  logger: Logger;
}

export interface RunningBackup {
  manifest: BackupManifest;
  /** The gzip'd tar archive, produced as it is read; cancelling it stops the backup and removes its staging folder. */
  stream: ReadableStream<Uint8Array>;
}

/** Where a backup gathers its consistent copies before they go into the archive (inside DATA_DIR: renames, hard links). */
const STAGING_PREFIX = '.backup-';
const DB_FOLDERS: Record<DbKind, string> = { live: 'db', draft: 'draft-db' };
/** DATA_DIRs with a backup under way in this process: one at a time, as each stages copies there. */
const running = new Set<string>();

/**
 * Starts an online backup of the whole platform. Before it returns, the registry is read in one
 * snapshot (so a failure there is an ordinary error answer); the apps follow as the archive is
 * read: each under its tenant lock (no tool call, migration or deploy half in the copy), its
 * databases copied by their own db processes (VACUUM INTO: a consistent copy while live writes
 * go on; the platform never opens a tenant's SQLite file), then the content-addressed stores, the
 * key, and `end.json`. The staged copies stay on disk until the archive is complete (DATA_DIR needs
 * room for one copy of the apps' folders and databases); nothing is held whole in memory.
 */
export async function startBackup(sources: BackupSources, options: { withoutKey: boolean }): Promise<RunningBackup> {
  const { dataDir, logger } = sources;
  if (running.has(dataDir)) throw new TesseraError('BACKUP_UNAVAILABLE', 'Another backup of this platform is running; start this one when it has finished.');
  running.add(dataDir);
  let staging: string | undefined;
  const cleanup = async () => {
    if (staging) await rm(staging, { recursive: true, force: true });
    running.delete(dataDir);
  };
  try {
    await mkdir(dataDir, { recursive: true });
    await removeStaleStaging(dataDir);
    const folder = await mkdtemp(path.join(dataDir, STAGING_PREFIX));
    staging = folder;
    await mkdir(path.join(folder, REGISTRY_DIR));
    // The apps before the registry: one created in between has rows but no files (and is left out);
    // one deleted later is skipped when its turn comes.
    const apps = await sources.tenants.list();
    const summary = await sources.registry.dumpRegistry((table, rows) => appendFile(path.join(folder, registryEntry(table)), `${rows.join('\n')}\n`));
    // A table without rows still gets its (empty) file: the restore then knows it was there.
    for (const table of summary.tables) if (table.rows === 0) await writeFile(path.join(folder, registryEntry(table.name)), '');
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      registry: { backend: sources.registry.backend, ...summary },
      apps,
      key: !options.withoutKey,
    };
    await writeFile(path.join(folder, MANIFEST_ENTRY), `${JSON.stringify(manifest, null, 2)}\n`);
    // Every path is added by name (noDirRecurse): the archive's order is then exactly the order of
    // the adds, so manifest.json comes first and end.json last.
    const pack = new Pack({ cwd: folder, gzip: true, portable: true, strict: true, noDirRecurse: true });
    pack.add(MANIFEST_ENTRY);
    pack.add(REGISTRY_DIR);
    for (const table of summary.tables) pack.add(registryEntry(table.name));
    // Without a reader (the client went away) an error must not go unheard: the stream is already failed.
    pack.on('error', (err: unknown) => logger.debug({ err }, 'backup archive stopped'));
    let cancelled = false;
    const produced = produce(sources, folder, pack, manifest, () => cancelled).then(
      () => pack.end(),
      (err: unknown) => {
        if (!cancelled) logger.error({ err }, 'backup failed');
        pack.emit('error', err instanceof Error ? err : new Error(String(err)));
      },
    );
    const chunks = pack[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) {
            controller.close();
            await produced;
            await cleanup();
            logger.info({ apps: manifest.apps.length }, 'backup written');
          } else controller.enqueue(new Uint8Array(next.value));
        } catch (err) {
          controller.error(err);
          await cleanup();
        }
      },
      async cancel() {
        cancelled = true;
        logger.warn('backup stopped: the client went away');
        // Stops the packing (and its open files) at once rather than letting it stall on a full buffer.
        pack.destroy();
        await produced.catch(() => {});
        await cleanup();
      },
    });
    return { manifest, stream };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function produce(sources: BackupSources, staging: string, pack: Pack, manifest: BackupManifest, cancelled: () => boolean): Promise<void> {
  const data = path.join(staging, 'data');
  const addTree = (folder: string, paths: string[]) => {
    pack.add(folder);
    for (const relative of paths) pack.add(path.join(folder, relative));
  };
  const included: string[] = [];
  for (const id of manifest.apps) {
    if (cancelled()) return;
    const folder = path.join('data', 'tenants', id);
    try {
      await stageApp(sources, id, path.join(staging, folder));
    } catch (err) {
      if (!(err instanceof TesseraError && err.code === 'TENANT_NOT_FOUND')) throw err;
      sources.logger.info({ tenant: id }, 'backup: app deleted meanwhile, left out');
      await rm(path.join(staging, folder), { recursive: true, force: true });
      continue;
    }
    addTree(folder, await listTree(path.join(staging, folder)));
    included.push(id);
    sources.logger.info({ tenant: id }, 'backup: app copied');
  }
  // Content-addressed and written by rename: every file is final, so hard links are copies that cost nothing.
  for (const store of ['artifacts', 'packages']) {
    if (cancelled()) return;
    const { files, paths } = await copyTree(path.join(sources.dataDir, store), path.join(data, store), { link: true, skip: isUnfinished });
    if (files > 0) addTree(path.join('data', store), paths);
  }
  if (manifest.key) {
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'secret.key'), `${sources.sealingKey().toString('base64')}\n`, { mode: 0o600 });
    pack.add(path.join('data', 'secret.key'));
  }
  await writeFile(path.join(staging, END_ENTRY), `${JSON.stringify({ format: BACKUP_FORMAT, apps: included })}\n`);
  pack.add(END_ENTRY);
}

/** One app, under its tenant lock: its files (repository, agent history), both databases and the live one's snapshots. */
async function stageApp(sources: BackupSources, id: string, to: string): Promise<void> {
  await sources.tenants.withLock(id, async (tenant) => {
    await copyTree(tenant.dir, to, { skip: (relative) => Object.values(DB_FOLDERS).includes(relative) });
    for (const kind of ['live', 'draft'] as const) {
      if (!sources.databases.exists(id, kind)) continue;
      const { dir } = sources.databases.location(id, kind);
      const copy = `backup-${randomBytes(6).toString('hex')}.sqlite`;
      await tenant.db(kind).copyTo(copy);
      const target = path.join(to, DB_FOLDERS[kind], 'app.sqlite');
      await mkdir(path.dirname(target), { recursive: true });
      // The db process wrote the copy in its own folder; moved out at once, it is the platform's file.
      await rename(path.join(dir, copy), target);
      if (!(await lstat(target)).isFile()) throw new Error(`The copy of ${id}'s ${kind} database is not a regular file.`);
    }
    // Snapshots are immutable once written (by rename): plain copies are consistent.
    const snapshots = path.join(sources.databases.location(id, 'live').dir, 'snapshots');
    const names = await readdir(snapshots).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.sqlite'))) {
      await copyOne(path.join(snapshots, name), path.join(to, DB_FOLDERS.live, 'snapshots', name), false);
    }
  });
}

/** Staging folders of backups that a crash or restart interrupted. */
async function removeStaleStaging(dataDir: string): Promise<void> {
  const names = await readdir(dataDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(STAGING_PREFIX))) await rm(path.join(dataDir, name), { recursive: true, force: true });
}
