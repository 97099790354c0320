import { zipSync, type Zippable } from 'fflate';

// Zip's epoch; fixed so that the same files always give the same archive bytes (and checksum).
const FIXED_MTIME = new Date('1980-01-01T00:00:00Z');

/**
 * A zip of `files` (path -> content) as Fission's fetcher unpacks into `/userfunc/deployarchive`.
 * Deterministic: entries sorted, fixed timestamps, so re-exporting a release changes nothing.
 */
export function makeZip(files: Record<string, string | Uint8Array>): Uint8Array {
  const tree: Zippable = {};
  for (const name of Object.keys(files).sort()) {
    const content = files[name]!;
    tree[name] = [typeof content === 'string' ? new TextEncoder().encode(content) : content, { mtime: FIXED_MTIME, level: 9 }];
  }
  return zipSync(tree, { mtime: FIXED_MTIME });
}
