import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Immutable, content-addressed built artifacts (component bundles, function files): the file name is
 * the sha256 of the content, so a release serves exactly the bytes it was snapshotted with, and the
 * folder can sit behind any CDN or object store.
 */
export interface ArtifactStore {
  put(code: string): Promise<string>;
  get(digest: string): Promise<string | null>;
}

export function createArtifactStore(dir: string): ArtifactStore {
  mkdirSync(dir, { recursive: true });
  const fileOf = (digest: string): string => {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
    return path.join(dir, digest);
  };
  return {
    async put(code) {
      const digest = createHash('sha256').update(code).digest('hex');
      const file = fileOf(digest);
      const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temp, code);
      await rename(temp, file);
      return digest;
    },
    async get(digest) {
      try {
        return await readFile(fileOf(digest), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}
