/**
 * Scale-out on Fission: a release's functions as `fission spec` files (valid against Fission's
 * CRDs), archives that Fission's own Node.js environment runs unchanged, and the Secrets they need.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExportFile } from './export.ts';

export { exportFission, fissionNames, DEFAULT_NODE_IMAGE, type FissionExport, type FissionExportOptions, type ExportFile } from './export.ts';
export { exportReadPath, READ_PATH_FUNCTIONS, type ReadPathExportOptions } from './read-path.ts';
export { dnsLabel } from './names.ts';
export { encodeValue, decodeValue } from './modules/wire.ts';

/** Writes an export's files under `dir` (credentials owner-only). Existing files of other releases stay. */
export async function writeExport(dir: string, files: ExportFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const target = path.resolve(dir, file.path);
    if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`export file ${file.path} would land outside ${dir}`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content, file.secret ? { mode: 0o600 } : {});
    if (file.secret) await chmod(target, 0o600);
    written.push(target);
  }
  return written;
}
