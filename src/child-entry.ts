import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from './project-root.ts';

/** Re-exported for the modules that took it from here before project-root.ts existed. */

const built = new Map<string, Promise<string>>();

/**
 * Compiles a TypeScript entry that runs in a child process (sandbox, database host) into one
 * CommonJS file, once per platform process. Child processes then start with plain `node` (no
 * TypeScript loader: ~80 ms instead of ~250 ms). npm packages stay external and resolve from the
 * project's node_modules, which is why the output lives under `node_modules/.cache`.
 * With `external`, everything else is bundled in: the child then needs only those packages
 * (a build worker's sandbox sees esbuild and nothing else of node_modules).
 */
export function compileChildEntry(entryFile: string, options: { external?: string[] } = {}): Promise<string> {
  const cacheKey = options.external ? `${entryFile}\0${options.external.join(',')}` : entryFile;
  let promise = built.get(cacheKey);
  if (!promise) {
    promise = (async () => {
      const outDir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'tessera');
      mkdirSync(outDir, { recursive: true });
      const name = path.relative(path.join(PROJECT_ROOT, 'src'), entryFile).replace(/[\\/]/g, '-').replace(/\.ts$/, '');
      const result = await build({
        entryPoints: [entryFile],
        bundle: true,
        write: false,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'silent',
        ...(options.external ? { external: options.external } : { packages: 'external' as const }),
      });
      const contents = result.outputFiles[0]!.contents;
      // Content-addressed: two checkouts (or versions) sharing node_modules never run each other's child.
      const outfile = path.join(outDir, `${name}.${createHash('sha256').update(contents).digest('hex').slice(0, 16)}.cjs`);
      if (!existsSync(outfile)) {
        // Write then rename: another platform process may be starting a child from this file.
        const temp = `${outfile}.${process.pid}.tmp`;
        writeFileSync(temp, contents);
        renameSync(temp, outfile);
      }
      return outfile;
    })();
    promise.catch(() => built.delete(cacheKey));
    built.set(cacheKey, promise);
  }
  return promise;
}
