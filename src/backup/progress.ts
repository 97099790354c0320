import { Parser, type ReadEntry } from 'tar';
import { END_ENTRY, MANIFEST_ENTRY, manifestSchema, type BackupManifest } from './format.ts';

export type BackupProgressEvent = { kind: 'manifest'; manifest: BackupManifest } | { kind: 'app'; id: string } | { kind: 'stores' } | { kind: 'end' };

/**
 * Follows a backup archive as it streams past (the CLI writes each chunk to the file and here):
 * the manifest, each app as its files begin, the stores, and `end.json`, which only a complete
 * archive has. Reads only the small manifest; every other entry is skipped.
 */
export function followBackup(onEvent: (event: BackupProgressEvent) => void): Parser {
  const seen = new Set<string>();
  let stores = false;
  return new Parser({
    maxDecompressionRatio: Number.POSITIVE_INFINITY,
    onReadEntry(entry: ReadEntry) {
      const segments = entry.path.split('/');
      if (entry.path === MANIFEST_ENTRY) {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => {
          const parsed = manifestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          if (parsed.success) onEvent({ kind: 'manifest', manifest: parsed.data });
        });
        return;
      }
      entry.resume();
      if (entry.path === END_ENTRY) onEvent({ kind: 'end' });
      else if (segments[0] === 'data' && segments[1] === 'tenants' && segments[2] && !seen.has(segments[2])) {
        seen.add(segments[2]);
        onEvent({ kind: 'app', id: segments[2] });
      } else if (segments[0] === 'data' && (segments[1] === 'artifacts' || segments[1] === 'packages') && !stores) {
        stores = true;
        onEvent({ kind: 'stores' });
      }
    },
  });
}
