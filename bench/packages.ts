/**
 * npm packages: build time of a component whose package is not stored yet (resolve + fetch +
 * bundle) and once stored, beside the esbuild CLI with the package already in node_modules; and the
 * bytes an app of 10 components sharing 2 packages sends, against each component bundling its own.
 * Packages come from a local registry serving real packages (copied from the platform's own
 * node_modules), so the figures do not depend on the network.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { buildComponent, buildPackageAssets } from '../src/bundler/index.ts';
import { tenantImportsPlugin } from '../src/bundler/imports.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { PackageManager, type Lockfile, type PackageSet } from '../src/packages/index.ts';
import { startTestRegistry, type FixturePackage } from '../test/support/npm-registry.ts';
import { report, sample } from './stats.ts';

/** A package of the platform's node_modules as the registry would publish it. */
function fromNodeModules(name: string): FixturePackage {
  const dir = path.join(PROJECT_ROOT, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const files: Record<string, string> = {};
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder)) {
      const file = path.join(folder, entry);
      if (statSync(file).isDirectory()) walk(file);
      else if (entry !== 'package.json' || folder !== dir) files[path.relative(dir, file)] = readFileSync(file, 'utf8');
    }
  };
  walk(dir);
  const { name: _n, version, scripts: _s, ...rest } = manifest;
  return { name, version: String(version), manifest: rest, files };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

export async function benchPackages(runs: number): Promise<void> {
  process.stdout.write('\n# npm packages (local registry serving zod and diff as published)\n');
  const registry = await startTestRegistry([fromNodeModules('zod'), fromNodeModules('diff')]);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-pkg-'));
  const manager = (dir: string): PackageManager => new PackageManager({ dataDir: dir, registry: registry.url, timeoutMs: 30_000, maxUnpackedBytes: 64 << 20 });
  const code = `import { z } from 'zod';\nconst Note = z.object({ text: z.string().min(1) });\nexport default function Check({ text }: { text: string }) { return <p>{Note.safeParse({ text }).success ? 'ok' : 'no'}</p>; }\n`;
  try {
    // resolve + fetch + unpack + bundle (the component and the app's package module), into an empty store each time.
    const pipeline = async (pm: PackageManager, previous: Lockfile | null): Promise<PackageSet> => {
      const component = await buildComponent({ name: 'Check', code });
      const set = await pm.resolve('bench', Object.fromEntries((component.packages ?? []).map((n) => [n, 'latest'])), previous);
      await buildPackageAssets([component], set);
      return set;
    };
    const coldRuns = Math.max(3, Math.min(runs, 8));
    const cold = await sample(coldRuns, (i) => pipeline(manager(path.join(scratch, `cold-${i}`)), null), 1);
    const warmManager = manager(path.join(scratch, 'warm'));
    const lock = (await pipeline(warmManager, null)).lockfile;
    // Once stored, with the app's lockfile: no download, no packument (the pin stands).
    const warm = await sample(runs, () => pipeline(warmManager, lock));

    const project = path.join(scratch, 'cli');
    mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'node_modules', 'zod'), path.join(project, 'node_modules', 'zod'), { recursive: true });
    writeFileSync(path.join(project, 'Check.tsx'), code);
    const cli = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');
    const esbuildCli = await sample(runs, () =>
      execFileSync(cli, [
        path.join(project, 'Check.tsx'),
        '--bundle',
        '--format=esm',
        '--jsx=automatic',
        '--minify',
        '--external:react',
        '--external:react/jsx-runtime',
        `--outfile=${path.join(project, 'out.js')}`,
        '--log-level=error',
      ]),
    );
    report('component + new package (cold)', cold, 'esbuild CLI, zod in node_modules', esbuildCli);
    report('component + stored package', warm, 'esbuild CLI, zod in node_modules', esbuildCli);

    // Ten components sharing zod and diff.
    const set = await warmManager.resolve('bench', { zod: 'latest', diff: 'latest' }, null);
    const sources = Array.from({ length: 10 }, (_, i) => ({
      name: `Part${i}`,
      code: `import { z } from 'zod';\nimport { diffWords } from 'diff';\nconst S = z.object({ a${i}: z.string().email() });\nexport default function Part${i}({ a, b }: { a: string; b: string }) { return <p>{String(S.safeParse({ a${i}: a }).success)} {diffWords(a, b).length} part ${i}</p>; }\n`,
    }));
    const components = await Promise.all(sources.map((s) => buildComponent(s)));
    const assets = await buildPackageAssets(components, set);
    const sharedFiles = [...components.map((c) => c.code), ...[...assets.assets.values()].map((a) => a.code)];
    const own = await Promise.all(
      sources.map(async (s) => {
        const result = await build({
          stdin: { contents: s.code, loader: 'tsx', sourcefile: `frontend/${s.name}.tsx` },
          absWorkingDir: set.storeRoot,
          bundle: true,
          write: false,
          format: 'esm',
          platform: 'browser',
          jsx: 'automatic',
          minify: true,
          legalComments: 'none',
          logLevel: 'silent',
          tsconfigRaw: {},
          define: { 'process.env.NODE_ENV': '"production"' },
          plugins: [tenantImportsPlugin({ kind: 'component', packages: set })],
        });
        return result.outputFiles[0]!.text;
      }),
    );
    const raw = (files: string[]): number => files.reduce((n, f) => n + Buffer.byteLength(f), 0);
    const gz = (files: string[]): number => files.reduce((n, f) => n + gzipSync(f).length, 0);
    process.stdout.write(
      `${'10 components, 2 shared packages'.padEnd(34)} ${kb(raw(sharedFiles)).padStart(10)} (${kb(gz(sharedFiles))} gzip) in ${sharedFiles.length} files   |  ${'each bundling its own copies'.padEnd(30)} ${kb(raw(own)).padStart(10)} (${kb(gz(own))} gzip) in ${own.length} files   ratio ${(raw(sharedFiles) / raw(own)).toFixed(2)}x  (React and the shell, the same in both, not counted)\n`,
    );

    // A registry 60 ms away: a dependency tree of 14 packages (hub -> 12 leaves -> base).
    const leaves = Array.from({ length: 12 }, (_, i) => `leaf-${i}`);
    const index = { 'index.js': 'module.exports = 1;\n' };
    const far = await startTestRegistry(
      [
        { name: 'hub', version: '1.0.0', manifest: { dependencies: Object.fromEntries(leaves.map((leaf) => [leaf, '^1'])) }, files: index },
        ...leaves.map((leaf) => ({ name: leaf, version: '1.0.0', manifest: { dependencies: { base: '^2' } }, files: index })),
        { name: 'base', version: '2.0.0', files: index },
      ],
      { packumentDelayMs: 60 },
    );
    try {
      const treeRuns = Math.max(3, Math.min(runs, 6));
      const farManager = (dir: string): PackageManager =>
        new PackageManager({ dataDir: dir, registry: far.url, timeoutMs: 30_000, maxUnpackedBytes: 64 << 20 });
      const resolveTree = await sample(treeRuns, (i) => farManager(path.join(scratch, `far-${i}`)).resolve('bench', { hub: '^1' }, null), 1);
      // The baseline: the same 14 packuments fetched one after another, as a depth-first walk does.
      const serial = await sample(
        treeRuns,
        async () => {
          for (const name of ['hub', ...leaves, 'base']) await (await fetch(`${far.url}${name}`)).arrayBuffer();
        },
        1,
      );
      report('resolve 14-package tree, 60 ms registry', resolveTree, '14 packuments one after another', serial);
    } finally {
      await far.close();
    }
  } finally {
    await registry.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
