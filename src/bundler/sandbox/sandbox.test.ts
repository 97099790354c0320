import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tesseraFailure } from '../../../test/support/errors.ts';
import { fixturePackages } from '../../../test/support/npm-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../../../test/support/npm-registry.ts';
import { PROJECT_ROOT } from '../../project-root.ts';
import type { Logger } from '../../log.ts';
import { PackageManager, type PackageSet } from '../../packages/index.ts';
import { detectIsolation } from '../../runtime/index.ts';
import { buildComponent as buildComponentInProcess } from '../component.ts';
import { BuildSandbox, type BuildSandboxOptions } from './pool.ts';

/**
 * The build sandbox itself, probed directly: the worker's esbuild is asked to read files by absolute
 * path with no plugin in the way, and to open a connection, so what is tested is what bubblewrap
 * lets through, not what the bundler's checks refuse. Then the limits: time, memory, and the pool.
 */
const bubblewrap = (await detectIsolation()) === 'bubblewrap';
const CANARY = `CANARY-${process.pid}-${Date.now()}`;

describe('build sandbox', () => {
  let registry: TestRegistry;
  let dataDir: string;
  let set: PackageSet;
  let otherAppDir: string;
  const sandboxes: BuildSandbox[] = [];
  const sandbox = (options: Partial<BuildSandboxOptions> = {}): BuildSandbox => {
    const made = new BuildSandbox({
      timeoutMs: 20_000,
      memoryMb: 256,
      maxWorkers: 4,
      idleMs: 60_000,
      maxResultBytes: 64 * 1024 * 1024,
      probes: true,
      ...options,
    });
    sandboxes.push(made);
    return made;
  };

  beforeAll(async () => {
    registry = await startTestRegistry(fixturePackages().packages);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-buildbox-'));
    const packages = new PackageManager({ dataDir, registry: registry.url, timeoutMs: 5000, maxUnpackedBytes: 10_000_000 });
    // Another app's package sits in the same store: this app's builds must not see it.
    const other = await packages.resolve('other', { 'cjs-greet': '3.2.1' }, null);
    otherAppDir = other.resolveDirOf('cjs-greet@3.2.1');
    set = await packages.resolve('app', { 'tiny-format': '1.0.0' }, null);
    writeFileSync(path.join(dataDir, 'secret.key'), `${CANARY}-data-dir\n`);
    writeFileSync(path.join(otherAppDir, 'canary.js'), `module.exports = '${CANARY}-other-app';\n`);
    writeFileSync(path.join(set.packageDirOf('tiny-format@1.0.0'), 'canary.txt'), `${CANARY}-own-package\n`);
  });
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const readProbe = (box: BuildSandbox, file: string) => box.run('app', set, { op: 'probe-read', path: file });

  it.runIf(bubblewrap)("shows the worker's esbuild only the app's package folders: host files, DATA_DIR and other apps' packages are not there", async () => {
    const box = sandbox();
    // The control: a file inside one of the app's packages is read (so the probe really reads).
    expect(await readProbe(box, path.join(set.packageDirOf('tiny-format@1.0.0'), 'canary.txt'))).toContain(`${CANARY}-own-package`);
    const hidden = [
      path.join(dataDir, 'secret.key'),
      path.join(otherAppDir, 'canary.js'),
      '/etc/passwd',
      '/etc/hostname',
      path.join(PROJECT_ROOT, 'package.json'),
      path.join(PROJECT_ROOT, 'src', 'config.ts'),
    ];
    for (const file of hidden) {
      const err = await readProbe(box, file).then(
        (text) => new Error(`read ${file}: ${text.slice(0, 200)}`),
        (e: Error) => e,
      );
      expect(err.message, file).not.toMatch(/^read /);
      expect(err.message).not.toContain(CANARY);
      expect(err.message).not.toContain('root:x:0');
    }
    // /proc is the sandbox's own (a pid namespace): the platform's processes and environment are not in it.
    for (const file of ['/proc/1/environ', '/proc/self/environ']) {
      const environ = await readProbe(box, file);
      expect(environ).toContain('GOMEMLIMIT=');
      expect(environ).not.toContain('PATH=');
    }
  });

  it.runIf(bubblewrap)("a glob import over the store (esbuild expands it by itself) finds only the app's packages", async () => {
    const box = sandbox();
    const code = "const load = (a, b) => require(`./${a}/${b}`);\nmodule.exports = async () => ({ status: 200, body: String(load('x', 'y')) });\n";
    const outcome = await box
      .run('app', set, { op: 'function', input: { name: 'glob', code }, packages: { storeRoot: set.storeRoot, lockfile: set.lockfile }, scan: false })
      .then(
        (built) => built.code,
        (err: Error) => err.message,
      );
    expect(outcome).not.toContain(`${CANARY}-other-app`);
    expect(outcome).not.toContain('cjs-greet@3.2.1');
  });

  it('the probe is real: the unsandboxed fallback process does read the host file', async () => {
    const box = sandbox({ isolation: 'process' });
    expect(await readProbe(box, path.join(dataDir, 'secret.key'))).toContain(`${CANARY}-data-dir`);
  });

  it.runIf(bubblewrap)('gives the worker no network (the same probe connects from the fallback process)', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const err = await sandbox()
        .run('app', null, { op: 'probe-connect', host: '127.0.0.1', port })
        .then(
          () => new Error('connected'),
          (e: Error) => e,
        );
      expect(err.message).toMatch(/ECONNREFUSED|ENETUNREACH|EADDRNOTAVAIL|timed out/);
      expect(connections).toBe(0);
      expect(await sandbox({ isolation: 'process' }).run('app', null, { op: 'probe-connect', host: '127.0.0.1', port })).toBe('connected');
      // The probe's answer and the server's accept reach this process in either order.
      await vi.waitFor(() => expect(connections).toBe(1));
    } finally {
      server.close();
    }
  });

  it('kills a build past the time limit with BUILD_TIMEOUT, and the next build works in a fresh worker', async () => {
    const box = sandbox({ timeoutMs: 500 });
    const small = { op: 'component', input: { name: 'Small', code: 'export default function Small() { return <p>hi</p>; }' } } as const;
    await box.run('slow', null, small);
    const [before] = await box.workers();
    // About 1.5 s of esbuild work on this machine (a 160,000-entry one took 0.3 s and finished in time).
    const big = `export default function Big() { return null; }\nexport const data = [${Array.from({ length: 800_000 }, (_, i) => `{a${i % 100}: [${i}, "s${i}"]}`).join(',')}];\n`;
    const started = Date.now();
    const err = await tesseraFailure(box.run('slow', null, { op: 'component', input: { name: 'Big', code: big } }));
    expect(err.code).toBe('BUILD_TIMEOUT');
    expect(err.message).toContain('took longer than 500 ms');
    expect(Date.now() - started).toBeLessThan(5000);
    await before!.closed();
    expect(before!.alive).toBe(false);
    const built = await box.run('slow', null, small);
    expect(built.code).toContain('hi');
    const [after] = await box.workers();
    expect(after!.pid).not.toBe(before!.pid);
  });

  it('contains memory exhaustion: BUILD_OUT_OF_MEMORY, the platform unharmed, the next build works', async () => {
    // A 64 MB heap (and GOMEMLIMIT), the address space 1 GB above it: a ~27 MB module cannot be bundled in that.
    const box = sandbox({ memoryMb: 64, headroomMb: 1024, timeoutMs: 60_000 });
    const rssBefore = process.memoryUsage().rss;
    const huge = `export default function Huge() { return null; }\nexport const data = [${Array.from({ length: 1_000_000 }, (_, i) => `{a${i % 100}: [${i}, "s${i}"]}`).join(',')}];\n`;
    const err = await tesseraFailure(box.run('hungry', null, { op: 'component', input: { name: 'Huge', code: huge } }));
    expect(err.code).toBe('BUILD_OUT_OF_MEMORY');
    expect(err.message).toContain('ran out of memory (limit 64 MB)');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 1024 * 1024);
    const built = await box.run('hungry', null, { op: 'component', input: { name: 'Fine', code: 'export default function Fine() { return <p>ok</p>; }' } });
    expect(built.fileName).toMatch(/^Fine\.[0-9a-f]{12}\.js$/);
  }, 120_000);

  it('keeps one warm worker per app and package set, a bounded number alive, and stops idle ones', async () => {
    const box = sandbox({ maxWorkers: 2, idleMs: 1000 });
    const job = {
      op: 'function',
      input: { name: 'f', code: 'module.exports = async () => ({ status: 200, body: "ok" })' },
      packages: null,
      scan: false,
    } as const;
    await box.run('a', null, job);
    const [first] = await box.workers();
    await box.run('a', null, job);
    expect((await box.workers()).map((w) => w.pid)).toEqual([first!.pid]);
    // Another package set for the same app: a new worker that sees those folders; the old one stops.
    await box.run('a', set, { ...job, packages: { storeRoot: set.storeRoot, lockfile: set.lockfile } });
    await first!.closed();
    const [second] = await box.workers();
    expect(second!.pid).not.toBe(first!.pid);
    expect(second!.settings.packageDirs).toEqual([set.resolveDirOf('tiny-format@1.0.0')]);
    // A build without packages reads nothing from the store: it runs in the app's worker as it is.
    await box.run('a', null, job);
    expect((await box.workers()).map((w) => w.pid)).toEqual([second!.pid]);
    await box.run('b', null, job);
    await box.run('c', null, job);
    expect((await box.workers()).length).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await box.workers()).toEqual([]);
  });

  it('without bubblewrap still builds, in a process of its own, and says loudly that builds are unsandboxed', async () => {
    const warnings: string[] = [];
    const box = sandbox({ isolation: 'process', logger: { warn: (message: string) => warnings.push(message) } as unknown as Logger });
    expect(await box.isolation()).toBe('process');
    const job = { op: 'component', input: { name: 'Plain', code: 'export default function Plain() { return <p>plain</p>; }' } } as const;
    expect((await box.run('plain', null, job)).code).toContain('plain');
    await box.run('other', null, job);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WITHOUT a sandbox.*REQUIRE_ISOLATION=true/);
    const [worker] = await box.workers();
    expect(worker!.pid).not.toBe(process.pid);
  });

  it('builds the same bytes as the in-process compile function it wraps', async () => {
    const input = { name: 'Same', code: "import { Button } from '@tessera/ui';\nexport default function Same() { return <Button>same</Button>; }\n" };
    const sandboxed = await sandbox().run('same', null, { op: 'component', input });
    expect(sandboxed).toEqual(await buildComponentInProcess(input));
  });

  it('is the only way to the compile functions: nothing outside the bundler imports them directly', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.ts$/.test(entry.name) && !file.startsWith(path.join(PROJECT_ROOT, 'src', 'bundler') + path.sep)) {
          const imports = readFileSync(file, 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*'[^']*bundler\/(?:component|function|package-assets)\.ts'/g);
          if ([...imports].some((m) => /\bbuild(Component|ComponentForServer|Function|PackageAssets)\b/.test(m[1]!)))
            offenders.push(path.relative(PROJECT_ROOT, file));
        }
      }
    };
    for (const dir of ['src', 'test']) walk(path.join(PROJECT_ROOT, dir));
    expect(offenders).toEqual([]);
  });
});
