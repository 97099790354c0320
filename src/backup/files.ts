import { copyFile, link, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Copies (or hard-links) a folder tree: folders and regular files only, never a symlink or device,
 * so nothing in the copy points outside it. `skip` gets each path relative to `from`.
 */
export async function copyTree(
  from: string,
  to: string,
  options: { link?: boolean; skip?: (relative: string, isDir: boolean) => boolean } = {},
): Promise<{ files: number; paths: string[] }> {
  let files = 0;
  /** Every folder and file written, parents first (relative to `to`). */
  const paths: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(from, relative), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    await mkdir(path.join(to, relative), { recursive: true });
    for (const entry of entries) {
      const child = path.join(relative, entry.name);
      if (options.skip?.(child, entry.isDirectory())) continue;
      if (entry.isDirectory()) {
        paths.push(child);
        await walk(child);
      } else if (entry.isFile() && (await copyOne(path.join(from, child), path.join(to, child), options.link ?? false))) {
        paths.push(child);
        files++;
      }
    }
  };
  await walk('');
  return { files, paths };
}

/** A regular file copied (or linked: for immutable content-addressed files); a file that vanished meanwhile is skipped. */
export async function copyOne(from: string, to: string, asLink: boolean): Promise<boolean> {
  try {
    if (!(await lstat(from)).isFile()) return false;
    await mkdir(path.dirname(to), { recursive: true });
    if (asLink) {
      try {
        await link(from, to);
        return true;
      } catch (err) {
        // Another file system, or links not allowed there: a copy does as well.
        if (!['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      }
    }
    await copyFile(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** A name a store uses while it writes something, before the rename that publishes it. */
export const isUnfinished = (relative: string): boolean => relative.endsWith('.tmp') || relative.includes('.tmp/');

/** Every folder and regular file under `root` (relative, parents before their contents, names sorted). */
export async function listTree(root: string): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) {
        paths.push(child);
        await walk(child);
      } else if (entry.isFile()) paths.push(child);
    }
  };
  await walk('');
  return paths;
}
