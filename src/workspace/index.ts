import fs from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { TesseraError } from '../errors.ts';

/** One file change in a commit: `content: null` deletes the file. */
export interface FileChange {
  path: string;
  content: string | null;
}

export interface CommitInfo {
  id: string;
  message: string;
  author: string;
  timestamp: number;
}

const AUTHOR = { name: 'Tessera', email: 'tessera@localhost' };

/**
 * Checks a repo-relative path: forward slashes, no `..`, no absolute paths, no `.git`. Every write
 * into a tenant workspace goes through here, so a crafted name can never leave the repository.
 */
export function safeRepoPath(relative: string): string {
  const ok =
    relative.length > 0 &&
    relative.length <= 255 &&
    !relative.startsWith('/') &&
    !relative.includes('\\') &&
    !relative.includes('\0') &&
    relative.split('/').every((part) => part !== '' && part !== '.' && part !== '..') &&
    relative.split('/')[0] !== '.git';
  if (!ok)
    throw new TesseraError(
      'PATH_REFUSED',
      `Path "${relative}" is not allowed: use a relative path inside the workspace, without "..", "." or ".git" segments.`,
    );
  return relative;
}

/**
 * A tenant's git repository: every accepted change is exactly one commit. Callers serialize
 * writes per tenant (the tenants module holds a lock); reads may happen at any time.
 */
export interface Workspace {
  readonly dir: string;
  init(files: FileChange[], message: string): Promise<string>;
  read(relative: string): Promise<string | null>;
  /** Files under a folder (repo-relative paths), from the working tree. */
  list(folder: string): Promise<string[]>;
  /** Writes the changes and commits them; on any failure restores the previous contents. */
  commit(changes: FileChange[], message: string): Promise<string>;
  head(): Promise<string>;
  log(limit?: number): Promise<CommitInfo[]>;
  /**
   * Takes back the newest commit when a step after it failed (e.g. the database refused to commit
   * the migration the commit recorded): the branch points at `previous` again, files as they were.
   */
  undo(previous: string, changes: FileChange[]): Promise<void>;
  /** Every file of a commit with its blob id (a content digest git already keeps). */
  filesAt(commit: string): Promise<Map<string, string>>;
  /** A file's text at a commit, or null. */
  readAt(commit: string, relative: string): Promise<string | null>;
  /** One commit and its first parent (null for the first commit); NOT_FOUND for an unknown id. */
  commitInfo(commit: string): Promise<CommitInfo & { parent: string | null }>;
  /**
   * Puts the working tree and index back to HEAD after a crash (a process killed between writing a
   * file and committing it): files HEAD does not hold go, changed ones get HEAD's content back.
   * Returns the paths it put back.
   */
  recover(): Promise<string[]>;
}

export interface WorkspaceOptions {
  /**
   * Runs before every change to the repository (init, commit, undo) and may throw to refuse it: with
   * several replicas, the check that this replica still holds the tenant's lease.
   */
  beforeWrite?: () => void;
  /** The repository's quota (APP_REPO_MAX_BYTES): working files and history together, on disk. */
  maxBytes?: number;
}

/** Bytes of the files under a folder (symbolic links counted as themselves, never followed). */
export async function diskUsage(folder: string): Promise<number> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(folder, entry.name);
      return entry.isDirectory() ? diskUsage(full) : (await lstat(full).catch(() => ({ size: 0 }))).size;
    }),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * Refuses a commit that would take the repository past its quota. A change is counted twice (its
 * working file and its object in the history, uncompressed at worst); deleting files is never refused.
 */
async function checkQuota(dir: string, changes: FileChange[], maxBytes: number): Promise<void> {
  const adding = changes.reduce((sum, change) => sum + (change.content === null ? 0 : 2 * Buffer.byteLength(change.content)), 0);
  if (adding === 0) return;
  const used = await diskUsage(dir);
  if (used + adding <= maxBytes) return;
  throw new TesseraError(
    'QUOTA_EXCEEDED',
    `This change would take the app's repository past its quota of ${maxBytes} bytes (APP_REPO_MAX_BYTES): it holds ${used} bytes with its history, and the change needs up to ${adding} more. Nothing was changed. Write smaller files (data belongs in the database), or ask the server's operator to raise APP_REPO_MAX_BYTES.`,
    { details: { quota: 'APP_REPO_MAX_BYTES', limit: maxBytes, used, adding } },
  );
}

const TEMP_PREFIX = 'tessera-tmp-';
let tempCounter = 0;

/**
 * The file system isomorphic-git writes through, with every write atomic: the bytes go to a temporary
 * file in `.git/` and are renamed into place. isomorphic-git writes a loose object, a ref or the index
 * straight into its final name, so a process killed mid-write left an empty or cut file there: a
 * broken branch, a corrupt object (which later commits of the same content would then reference,
 * since an object that exists is never written again), or an unreadable index.
 */
function atomicGitFs(dir: string) {
  const gitDir = path.join(dir, '.git');
  const p = fs.promises;
  return {
    readFile: p.readFile,
    mkdir: p.mkdir,
    rmdir: p.rmdir,
    unlink: p.unlink,
    stat: p.stat,
    lstat: p.lstat,
    readdir: p.readdir,
    readlink: p.readlink,
    symlink: p.symlink,
    rm: p.rm,
    async writeFile(file: string, data: string | Uint8Array, options?: fs.WriteFileOptions): Promise<void> {
      const temp = path.join(gitDir, `${TEMP_PREFIX}${process.pid}-${++tempCounter}`);
      try {
        await writeFile(temp, data, options);
      } catch (err) {
        // No .git yet (init creates it): nothing there to protect.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return writeFile(file, data, options);
        throw err;
      }
      try {
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },
  };
}

export function openWorkspace(dir: string, options: WorkspaceOptions = {}): Workspace {
  const beforeWrite = options.beforeWrite ?? (() => undefined);
  const absolute = (relative: string): string => path.join(dir, safeRepoPath(relative));
  const gitFs = atomicGitFs(dir);

  async function read(relative: string): Promise<string | null> {
    try {
      return await readFile(absolute(relative), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async function write(change: FileChange): Promise<void> {
    const file = absolute(change.path);
    if (change.content === null) {
      await rm(file, { force: true });
      await git.remove({ fs: gitFs, dir, filepath: change.path });
    } else {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, change.content);
      await git.add({ fs: gitFs, dir, filepath: change.path });
    }
  }

  async function head(): Promise<string> {
    return git.resolveRef({ fs: gitFs, dir, ref: 'HEAD' });
  }

  return {
    dir,
    async init(files, message) {
      beforeWrite();
      await mkdir(dir, { recursive: true });
      await git.init({ fs: gitFs, dir, defaultBranch: 'main' });
      for (const file of files) await write(file);
      return git.commit({ fs: gitFs, dir, message, author: AUTHOR });
    },
    read,
    async list(folder) {
      const prefix = folder === '' ? '' : `${safeRepoPath(folder)}/`;
      const files = await git.listFiles({ fs: gitFs, dir, ref: 'HEAD' }).catch(() => [] as string[]);
      return files.filter((file) => file.startsWith(prefix)).sort();
    },
    async commit(changes, message) {
      for (const change of changes) safeRepoPath(change.path);
      beforeWrite();
      if (options.maxBytes !== undefined) await checkQuota(dir, changes, options.maxBytes);
      const before = await Promise.all(changes.map((change) => read(change.path)));
      try {
        for (const change of changes) await write(change);
        return await git.commit({ fs: gitFs, dir, message, author: AUTHOR });
      } catch (err) {
        // Put the tree and index back as they were, so a failed commit leaves no trace.
        for (const [index, change] of changes.entries()) {
          await write({ path: change.path, content: before[index] ?? null }).catch(() => undefined);
        }
        throw new TesseraError('COMMIT_FAILED', `Could not commit "${message}": ${(err as Error).message}`, { cause: err });
      }
    },
    head,
    async undo(previous, changes) {
      beforeWrite();
      const before = await Promise.all(changes.map(async (change) => ({ path: change.path, content: await this.readAt(previous, change.path) })));
      await git.writeRef({ fs: gitFs, dir, ref: 'refs/heads/main', value: previous, force: true });
      for (const change of before) await write(change);
    },
    async filesAt(commit) {
      const files = new Map<string, string>();
      await git.walk({
        fs: gitFs,
        dir,
        trees: [git.TREE({ ref: commit })],
        map: async (filepath, [entry]) => {
          if (!entry || filepath === '.') return undefined;
          if ((await entry.type()) === 'blob') files.set(filepath, await entry.oid());
          return true;
        },
      });
      return files;
    },
    async readAt(commit, relative) {
      try {
        const { blob } = await git.readBlob({ fs: gitFs, dir, oid: commit, filepath: safeRepoPath(relative) });
        return Buffer.from(blob).toString('utf8');
      } catch (err) {
        if ((err as { code?: string }).code === 'NotFoundError') return null;
        throw err;
      }
    },
    async commitInfo(commit) {
      let oid: string;
      try {
        oid = await git.expandOid({ fs: gitFs, dir, oid: commit });
      } catch {
        throw new TesseraError('NOT_FOUND', `No commit ${commit} in this app's history.`);
      }
      const { commit: c } = await git.readCommit({ fs: gitFs, dir, oid });
      return { id: oid, message: c.message.trim(), author: c.author.name, timestamp: c.author.timestamp, parent: c.parent[0] ?? null };
    },
    async recover() {
      beforeWrite();
      const gitDir = path.join(dir, '.git');
      for (const name of await readdir(gitDir).catch(() => [] as string[])) {
        if (name.startsWith(TEMP_PREFIX)) await rm(path.join(gitDir, name), { force: true });
      }
      // [path, HEAD, working tree, index]: 1 1 1 is a file as HEAD has it; 0 means absent.
      const matrix = await git.statusMatrix({ fs: gitFs, dir }).catch(() => null);
      if (!matrix) return [];
      const recovered: string[] = [];
      for (const [filepath, inHead, inTree, inIndex] of matrix) {
        if (inHead === 1 && inTree === 1 && inIndex === 1) continue;
        if (inHead === 1) {
          const { blob } = await git.readBlob({ fs: gitFs, dir, oid: await head(), filepath });
          await writeFile(path.join(dir, filepath), blob);
          await git.resetIndex({ fs: gitFs, dir, filepath });
        } else {
          await rm(path.join(dir, filepath), { force: true });
          await git.remove({ fs: gitFs, dir, filepath });
        }
        recovered.push(filepath);
      }
      return recovered;
    },
    async log(limit = 50) {
      const entries = await git.log({ fs: gitFs, dir, depth: limit });
      return entries.map((entry) => ({
        id: entry.oid,
        message: entry.commit.message.trim(),
        author: entry.commit.author.name,
        timestamp: entry.commit.author.timestamp,
      }));
    },
  };
}
