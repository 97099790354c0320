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
): Promise<number> {
  let files = 0;
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(from, relative), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    await mkdir(path.join(to, relative), { recursive: true });
    for (const entry of entries) {
      const child = path.join(relative, entry.name);
      if (options.skip?.(child, entry.isDirectory())) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) {
        await copyOne(path.join(from, child), path.join(to, child), options.link ?? false);
        files++;
      }
    }
  };
  await walk('');
  return files;
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
