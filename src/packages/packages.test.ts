import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import os from 'node:os';
import path from 'node:path';
import ssri from 'ssri';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tesseraFailure } from '../../test/support/errors.ts';
import { fixturePackages } from '../../test/support/npm-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../../test/support/npm-registry.ts';
import { fromLockfile, lockfileText, packageJsonOf, PackageManager } from './index.ts';

const execFileAsync = promisify(execFile);

describe('package resolution and the store', () => {
  let registry: TestRegistry;
  let marker: string;
  const dirs: string[] = [];
  const manager = (options: { maxUnpackedBytes?: number; timeoutMs?: number; dataDir?: string; appMaxBytes?: number } = {}): PackageManager => {
    const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tessera-pkg-'));
    dirs.push(dataDir);
    return new PackageManager({
      dataDir,
      registry: registry.url,
      timeoutMs: options.timeoutMs ?? 5000,
      maxUnpackedBytes: options.maxUnpackedBytes ?? 10_000_000,
      ...(options.appMaxBytes !== undefined ? { appMaxBytes: options.appMaxBytes } : {}),
    });
  };

  beforeAll(async () => {
    const fixtures = fixturePackages();
    marker = fixtures.marker;
    registry = await startTestRegistry(fixtures.packages);
  });
  afterAll(async () => {
    await registry.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('resolves the newest version, pins it, and lays out a package-lock.json v3 npm would read', async () => {
    const pm = manager();
    const set = await pm.resolve('app', { 'tiny-format': 'latest', 'uses-old-format': '^1' }, null);
    expect(set.packages.get(set.root['tiny-format']!)!.version).toBe('2.0.0');
    // uses-old-format needs tiny-format@^1: the newest 1.x, nested under it (2.0.0 holds the top level).
    expect(set.lockfile.packages['node_modules/tiny-format']!.version).toBe('2.0.0');
    expect(set.lockfile.packages['node_modules/uses-old-format/node_modules/tiny-format']!.version).toBe('1.1.0');
    expect(set.lockfile.packages['node_modules/tiny-pad']!.version).toBe('1.0.0');
    expect(set.lockfile.packages['']).toEqual({ name: 'app', dependencies: { 'tiny-format': '2.0.0', 'uses-old-format': '1.0.0' } });
    expect(set.lockfile.lockfileVersion).toBe(3);
    // react is a peer the platform provides: never installed.
    expect([...set.packages.keys()].some((key) => key.startsWith('react@'))).toBe(false);
    const integrity = set.lockfile.packages['node_modules/tiny-pad']!.integrity!;
    expect(integrity).toMatch(/^sha512-/);
    expect(JSON.parse(packageJsonOf(set))).toEqual({ name: 'app', private: true, dependencies: { 'tiny-format': '2.0.0', 'uses-old-format': '1.0.0' } });
    // Reading the lockfile back gives the same graph.
    const again = fromLockfile(JSON.parse(lockfileText(set)));
    expect(again.root).toEqual(set.root);
    expect(again.packages.get('uses-old-format@1.0.0')!.deps).toEqual({ 'tiny-format': 'tiny-format@1.1.0' });
    expect(readFileSync(path.join(set.packageDirOf('tiny-format@1.1.0'), 'index.js'), 'utf8')).toContain('v1.1:');
  });

  it('writes a lockfile that npm ci installs as it is, without running a script', async () => {
    const set = await manager().resolve('app', { 'tiny-format': 'latest', 'uses-old-format': '^1', 'postinstall-pkg': 'latest' }, null);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-npm-ci-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'package.json'), packageJsonOf(set));
    writeFileSync(path.join(dir, 'package-lock.json'), lockfileText(set));
    // Asynchronously: the registry answering npm runs in this very process.
    // --legacy-peer-deps: react and react-dom, peers of many packages, are the platform's and never in the lockfile.
    await execFileAsync(
      'npm',
      ['ci', '--ignore-scripts', '--legacy-peer-deps', '--no-audit', '--no-fund', `--registry=${registry.url}`, `--cache=${path.join(dir, '.cache')}`],
      { cwd: dir, env: { ...process.env, npm_config_registry: registry.url } },
    );
    const version = (p: string): string => JSON.parse(readFileSync(path.join(dir, p, 'package.json'), 'utf8')).version;
    expect(version('node_modules/tiny-format')).toBe('2.0.0');
    expect(version('node_modules/uses-old-format/node_modules/tiny-format')).toBe('1.1.0');
    expect(version('node_modules/tiny-pad')).toBe('1.0.0');
    // npm ci leaves the lockfile as it found it: ours is already in npm's own form.
    expect(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).toBe(lockfileText(set));
    expect(existsSync(marker)).toBe(false);
  }, 60_000);

  it('honours a range, and keeps a pin while it satisfies what is asked', async () => {
    const pm = manager();
    const first = await pm.resolve('app', { 'tiny-format': '~1.0.0' }, null);
    expect(first.packages.get(first.root['tiny-format']!)!.version).toBe('1.0.0');
    // "latest" with a pin means "keep what you have"; a new range that the pin misses re-resolves.
    const kept = await pm.resolve('app', { 'tiny-format': 'latest', 'tiny-pad': 'latest' }, first.lockfile);
    expect(kept.packages.get(kept.root['tiny-format']!)!.version).toBe('1.0.0');
    const moved = await pm.resolve('app', { 'tiny-format': '^2' }, first.lockfile);
    expect(moved.packages.get(moved.root['tiny-format']!)!.version).toBe('2.0.0');
  });

  it('stores one copy per name@version for every app: a second app downloads nothing', async () => {
    const pm = manager();
    const before = registry.count('tarball', 'cjs-greet@3.2.1');
    const first = await pm.resolve('one', { 'cjs-greet': '^3' }, null);
    expect(first.downloaded).toEqual(['cjs-greet@3.2.1']);
    const second = await pm.resolve('two', { 'cjs-greet': '3.2.1' }, null);
    expect(second.downloaded).toEqual([]);
    expect(registry.count('tarball', 'cjs-greet@3.2.1') - before).toBe(1);
    expect(second.packageDirOf('cjs-greet@3.2.1')).toBe(first.packageDirOf('cjs-greet@3.2.1'));
    // Installing from a lockfile on a fresh store fetches exactly what it pins.
    const other = manager();
    await other.install(second.lockfile);
    expect(registry.count('tarball', 'cjs-greet@3.2.1') - before).toBe(2);
  });

  it('refuses an unknown package, naming it (and what needs it)', async () => {
    const pm = manager();
    const direct = await tesseraFailure(pm.resolve('app', { 'no-such-package-anywhere': 'latest' }, null));
    expect(direct.code).toBe('PACKAGE_NOT_FOUND');
    expect(direct.message).toContain('"no-such-package-anywhere"');
    const transitive = await tesseraFailure(pm.resolve('app', { 'needs-missing': 'latest' }, null));
    expect(transitive.code).toBe('PACKAGE_NOT_FOUND');
    expect(transitive.message).toContain('needed by needs-missing@1.0.0');
  });

  it('refuses an unknown version, listing what exists', async () => {
    const err = await tesseraFailure(manager().resolve('app', { 'tiny-format': '^9' }, null));
    expect(err.code).toBe('PACKAGE_VERSION_NOT_FOUND');
    expect(err.message).toContain('"tiny-format" matches "^9"');
    expect(err.message).toContain('2.0.0, 1.1.0, 1.0.0');
    const spec = await tesseraFailure(manager().resolve('app', { 'tiny-format': 'github:someone/tiny-format' }, null));
    expect(spec.code).toBe('PACKAGE_VERSION_NOT_FOUND');
  });

  it('refuses a tarball that does not match its integrity hash, and stores nothing', async () => {
    const pm = manager();
    await registry.publish({ name: 'corrupt-me', version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
    registry.corrupt('corrupt-me@1.0.0');
    const err = await tesseraFailure(pm.resolve('app', { 'corrupt-me': 'latest' }, null));
    expect(err.code).toBe('PACKAGE_INTEGRITY_MISMATCH');
    expect(err.message).toContain('corrupt-me@1.0.0');
    expect(await pm.store.storedIntegrity('corrupt-me', '1.0.0')).toBeNull();
    // A lockfile naming another hash than the stored copy is refused as well.
    const good = await pm.resolve('app', { 'tiny-pad': '1.0.0' }, null);
    const forged = structuredClone(good.lockfile);
    forged.packages['node_modules/tiny-pad']!.integrity = ssri.fromData('something else', { algorithms: ['sha512'] }).toString();
    expect((await tesseraFailure(pm.install(forged))).code).toBe('PACKAGE_INTEGRITY_MISMATCH');
  });

  it('refuses a registry that advertises a path as a version, and writes nothing outside the store', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-pkg-'));
    dirs.push(dataDir);
    const pm = manager({ dataDir });
    const escapingVersion = '1.0.0/../../escaped';
    await registry.publish({ name: 'path-version', version: '1.0.0', files: { 'index.js': 'module.exports = "escaped";\n' } });
    // The version key, the manifest's own version and the dist-tag all name a path; the tarball is real.
    registry.tamper('path-version', (packument) => {
      packument.versions[escapingVersion] = { ...packument.versions['1.0.0'], version: escapingVersion };
      delete packument.versions['1.0.0'];
      packument['dist-tags'].latest = escapingVersion;
    });
    for (const range of ['latest', '*', escapingVersion]) {
      const err = await tesseraFailure(pm.resolve('app', { 'path-version': range }, null));
      expect(err.code, range).toBe(range === escapingVersion ? 'PACKAGE_VERSION_NOT_FOUND' : 'REGISTRY_DATA_INVALID');
      if (range !== escapingVersion) expect(err.message).toMatch(/path-version[\s\S]*is not a semver version/);
    }
    // Only a dist-tag pointing at a path, or a manifest calling itself one: refused the same way.
    await registry.publish(
      { name: 'path-tag', version: '1.0.0', files: { 'index.js': '1;\n' } },
      { name: 'path-self', version: '1.0.0', files: { 'index.js': '1;\n' } },
    );
    registry.tamper('path-tag', (packument) => {
      packument['dist-tags'].next = '../../../escaped';
    });
    registry.tamper('path-self', (packument) => {
      packument.versions['1.0.0'].version = escapingVersion;
    });
    for (const name of ['path-tag', 'path-self'])
      expect((await tesseraFailure(pm.resolve('app', { [name]: '^1' }, null))).code, name).toBe('REGISTRY_DATA_INVALID');
    expect(registry.count('tarball', 'path-version@1.0.0') + registry.count('tarball', 'path-tag@1.0.0') + registry.count('tarball', 'path-self@1.0.0')).toBe(
      0,
    );
    // Below the resolver: the store and the lockfile reader refuse such a version too.
    const tarball = gzipSync(Buffer.alloc(1024));
    const store = await tesseraFailure(
      pm.store.ensure('path-version', escapingVersion, ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(), async () => tarball),
    );
    expect(store.code).toBe('REGISTRY_DATA_INVALID');
    const good = await pm.resolve('app', { 'tiny-pad': '1.0.0' }, null);
    const forged = structuredClone(good.lockfile);
    forged.packages['node_modules/tiny-pad']!.version = escapingVersion;
    forged.packages['']!.dependencies = { 'tiny-pad': escapingVersion };
    const lock = await tesseraFailure(pm.install(forged));
    expect(lock.code).toBe('INVALID_ARGUMENTS');
    expect(lock.message).toContain('not an exact semver version');
    expect(existsSync(path.join(dataDir, 'escaped'))).toBe(false);
    expect(existsSync(path.join(pm.store.root, 'escaped'))).toBe(false);
    expect(readdirSync(dataDir)).toEqual(['packages']);
    expect(readdirSync(pm.store.root).filter((folder) => folder.startsWith('path-'))).toEqual([]);
  });

  it('downloads tarballs from the configured registry only, whatever a packument or lockfile names', async () => {
    // Another registry serving the very same bytes (so the integrity would match): still refused.
    const elsewhere = await startTestRegistry([{ name: 'foreign-tarball', version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } }]);
    try {
      await registry.publish({ name: 'foreign-tarball', version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
      for (const tarball of [
        `${elsewhere.url}foreign-tarball/-/foreign-tarball-1.0.0.tgz`,
        'file:///etc/passwd',
        `ftp://${new URL(registry.url).host}/x.tgz`,
      ]) {
        registry.tamper('foreign-tarball', (packument) => {
          packument.versions['1.0.0'].dist.tarball = tarball;
        });
        const err = await tesseraFailure(manager().resolve('app', { 'foreign-tarball': 'latest' }, null));
        expect(err.code, tarball).toBe('REGISTRY_DATA_INVALID');
        expect(err.message).toContain(registry.url);
      }
      // A lockfile that points a package elsewhere: no request goes there.
      const good = await manager().resolve('app', { 'tiny-pad': '1.0.0' }, null);
      const forged = structuredClone(good.lockfile);
      forged.packages['node_modules/tiny-pad']!.resolved = `${elsewhere.url}tiny-pad/-/tiny-pad-1.0.0.tgz`;
      expect((await tesseraFailure(manager().install(forged))).code).toBe('REGISTRY_DATA_INVALID');
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it("requires an integrity hash it can check, and a name that is the package's", async () => {
    await registry.publish({ name: 'unverified', version: '1.0.0', files: { 'index.js': '1;\n' } });
    const cases: Array<[string, (manifest: any) => void, string]> = [
      [
        'none',
        (m) => {
          delete m.dist.integrity;
          delete m.dist.shasum;
        },
        'PACKAGE_INTEGRITY_MISMATCH',
      ],
      [
        'md5',
        (m) => {
          m.dist.integrity = 'md5-1B2M2Y8AsgTpgAmY7PhCfg==';
        },
        'PACKAGE_INTEGRITY_MISMATCH',
      ],
      [
        'garbage',
        (m) => {
          m.dist.integrity = '../../../etc/passwd';
        },
        'PACKAGE_INTEGRITY_MISMATCH',
      ],
      [
        'wrong',
        (m) => {
          m.dist.integrity = ssri.fromData('other bytes', { algorithms: ['sha512'] }).toString();
        },
        'PACKAGE_INTEGRITY_MISMATCH',
      ],
      [
        'another name',
        (m) => {
          m.name = 'tiny-pad';
        },
        'REGISTRY_DATA_INVALID',
      ],
    ];
    for (const [what, edit, code] of cases) {
      registry.tamper('unverified', (packument) => edit(packument.versions['1.0.0']));
      const pm = manager();
      const err = await tesseraFailure(pm.resolve('app', { unverified: '1.0.0' }, null));
      expect(err.code, what).toBe(code);
      expect(err.message, what).toContain('unverified');
      expect(await pm.store.storedIntegrity('unverified', '1.0.0'), what).toBeNull();
    }
    // Only the wrong hash needed the tarball to find out.
    expect(registry.count('tarball', 'unverified@1.0.0')).toBe(1);
  });

  it("bounds what one app's packages unpack to (APP_PACKAGES_MAX_BYTES), by the registry's word and by the bytes", async () => {
    await registry.publish(
      { name: 'bulky-a', version: '1.0.0', files: { 'index.js': `module.exports = ${JSON.stringify('a'.repeat(30_000))};\n` } },
      { name: 'bulky-b', version: '1.0.0', files: { 'index.js': `module.exports = ${JSON.stringify('b'.repeat(30_000))};\n` } },
    );
    // One fits, two do not: refused from the declared sizes before any download.
    const pm = manager({ appMaxBytes: 50_000 });
    expect((await pm.resolve('app', { 'bulky-a': '1.0.0' }, null)).root).toEqual({ 'bulky-a': 'bulky-a@1.0.0' });
    const declared = await tesseraFailure(pm.resolve('app', { 'bulky-a': '1.0.0', 'bulky-b': '1.0.0' }, null));
    expect(declared).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'APP_PACKAGES_MAX_BYTES', limit: 50_000 } });
    expect(declared.message).toContain('APP_PACKAGES_MAX_BYTES');
    expect(registry.count('tarball', 'bulky-b@1.0.0')).toBe(0);
    // A registry that understates the size is caught by the bytes as they are unpacked.
    registry.tamper('bulky-b', (packument) => {
      packument.versions['1.0.0'].dist.unpackedSize = 10;
    });
    const measured = await tesseraFailure(pm.resolve('app', { 'bulky-a': '1.0.0', 'bulky-b': '1.0.0' }, null));
    expect(measured).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'APP_PACKAGES_MAX_BYTES', limit: 50_000 } });
    expect(measured.message).toContain('more than');
  });

  it('gives up on a registry that does not answer, naming the package', async () => {
    registry.hang('slow-package');
    const started = performance.now();
    const err = await tesseraFailure(manager({ timeoutMs: 300 }).resolve('app', { 'slow-package': 'latest' }, null));
    expect(err.code).toBe('REGISTRY_UNAVAILABLE');
    expect(err.message).toContain('"slow-package"');
    expect(err.message).toContain('300 ms');
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('refuses a package over the size limit', async () => {
    const err = await tesseraFailure(manager({ maxUnpackedBytes: 100_000 }).resolve('app', { 'big-pkg': 'latest' }, null));
    expect(err.code).toBe('PACKAGE_TOO_LARGE');
    expect(err.message).toContain('big-pkg@1.0.0');
    // Without the registry's unpackedSize, the limit still holds while unpacking.
    await registry.publish({ name: 'big-unlabelled', version: '1.0.0', files: { 'a.js': 'y'.repeat(150_000) } });
    const pm = manager({ maxUnpackedBytes: 100_000 });
    const unlabelled = await tesseraFailure(
      pm.store.ensure('big-unlabelled', '1.0.0', (await pm.client.packument('big-unlabelled')).versions['1.0.0']!.dist.integrity!, () =>
        pm.client.tarball('big-unlabelled@1.0.0', `${registry.url}big-unlabelled/-/big-unlabelled-1.0.0.tgz`),
      ),
    );
    expect(unlabelled.code).toBe('PACKAGE_TOO_LARGE');
    expect(await pm.store.storedIntegrity('big-unlabelled', '1.0.0')).toBeNull();
  });

  it('never runs install scripts: postinstall is skipped, a native build is refused', async () => {
    const pm = manager();
    const set = await pm.resolve('app', { 'postinstall-pkg': 'latest' }, null);
    expect(set.lockfile.packages['node_modules/postinstall-pkg']!.hasInstallScript).toBe(true);
    expect(existsSync(path.join(set.packageDirOf('postinstall-pkg@1.0.0'), 'index.js'))).toBe(true);
    const err = await tesseraFailure(pm.resolve('app', { 'native-pkg': 'latest' }, null));
    expect(err.code).toBe('PACKAGE_NATIVE_BUILD');
    expect(err.message).toContain('native-pkg@1.0.0');
    expect(err.message).toMatch(/gypfile|binding\.gyp|preinstall/);
    expect(await pm.store.storedIntegrity('native-pkg', '1.0.0')).toBeNull();
    expect(existsSync(marker)).toBe(false);
  });
});

describe('resolving against a far registry', () => {
  it("asks for a level's packuments at once (at most 8), with the same result as one at a time", async () => {
    // hub -> 12 leaves, each leaf -> a shared base: 14 packuments, each answered after 60 ms.
    const leaves = Array.from({ length: 12 }, (_, i) => `leaf-${String(i).padStart(2, '0')}`);
    const files = { 'index.js': 'module.exports = 1;\n' };
    const packages = [
      { name: 'hub', version: '1.0.0', manifest: { dependencies: Object.fromEntries(leaves.map((leaf) => [leaf, '^1'])) }, files },
      ...leaves.map((leaf) => ({ name: leaf, version: '1.0.0', manifest: { dependencies: { base: '^2' } }, files })),
      { name: 'base', version: '2.0.0', files },
      { name: 'base', version: '2.1.0', files },
    ];
    const far = await startTestRegistry(packages, { packumentDelayMs: 60 });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-pkg-far-'));
    try {
      const pm = new PackageManager({ dataDir, registry: far.url, timeoutMs: 10_000, maxUnpackedBytes: 10_000_000 });
      const set = await pm.resolve('app', { hub: '^1' }, null);
      expect(far.maxConcurrentPackuments()).toBe(8);
      expect(far.requests.filter((r) => r.startsWith('packument')).length).toBe(14);
      expect(set.packages.get('leaf-05@1.0.0')!.deps).toEqual({ base: 'base@2.1.0' });
      expect([...set.packages.keys()].sort()).toEqual(['base@2.1.0', 'hub@1.0.0', ...leaves.map((leaf) => `${leaf}@1.0.0`)].sort());
      // The same lockfile as a second, independent resolution: the order of answers changes nothing.
      const again = await new PackageManager({
        dataDir: mkdtempSync(path.join(os.tmpdir(), 'tessera-pkg-far-')),
        registry: far.url,
        timeoutMs: 10_000,
        maxUnpackedBytes: 10_000_000,
      }).resolve('app', { hub: '^1' }, null);
      expect(lockfileText(again)).toBe(lockfileText(set));
    } finally {
      await far.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a private registry', () => {
  it('sends the registry its token (packuments and tarballs), and says what to set when it has none', async () => {
    const secret = 'npm_private_token_0123456789';
    const privateRegistry = await startTestRegistry(fixturePackages().packages, { requireToken: secret });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-pkg-private-'));
    try {
      const options = { dataDir, registry: privateRegistry.url, timeoutMs: 5000, maxUnpackedBytes: 10_000_000 };
      const refused = await tesseraFailure(new PackageManager(options).resolve('app', { 'tiny-pad': 'latest' }, null));
      expect(refused.code).toBe('REGISTRY_UNAVAILABLE');
      expect(refused.message).toContain('(HTTP 401): it needs a token');
      expect(refused.message).toContain(':_authToken=');
      const wrong = await tesseraFailure(new PackageManager({ ...options, authToken: 'wrong' }).resolve('app', { 'tiny-pad': 'latest' }, null));
      expect(wrong.message).toContain('(HTTP 403): its token was not accepted');
      const set = await new PackageManager({ ...options, authToken: secret }).resolve('app', { 'tiny-pad': 'latest' }, null);
      expect(set.packages.get(set.root['tiny-pad']!)!.version).toBe('1.0.0');
      expect(privateRegistry.count('tarball', 'tiny-pad@1.0.0')).toBe(1);
    } finally {
      await privateRegistry.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('unpacking', () => {
  it('writes plain files only, inside the package: links and escaping paths are dropped', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-unpack-'));
    try {
      const blocks: Buffer[] = [];
      const entry = (entryPath: string, type: 'File' | 'SymbolicLink', body = '', linkpath?: string): void => {
        const data = Buffer.from(body);
        const header = Buffer.alloc(512);
        new Header({
          path: entryPath,
          type,
          size: type === 'File' ? data.length : 0,
          mode: 0o755,
          mtime: new Date(0),
          ...(linkpath ? { linkpath } : {}),
        }).encode(header, 0);
        blocks.push(header);
        if (type === 'File') blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
      };
      entry('package/package.json', 'File', '{"name":"evil","version":"1.0.0"}');
      entry('package/index.js', 'File', 'module.exports = 1;');
      entry('package/../../escaped.js', 'File', 'escaped');
      entry('package/link.js', 'SymbolicLink', '', '/etc/passwd');
      blocks.push(Buffer.alloc(1024));
      const tarball = gzipSync(Buffer.concat(blocks));
      const pm = new PackageManager({ dataDir, registry: 'http://127.0.0.1:9/', timeoutMs: 1000, maxUnpackedBytes: 1_000_000 });
      await pm.store.ensure('evil', '1.0.0', ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(), async () => tarball);
      const dir = pm.store.packageDirOf('evil', '1.0.0');
      expect(readdirSync(dir).sort()).toEqual(['index.js', 'package.json']);
      expect(existsSync(path.join(dataDir, 'escaped.js'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'packages', 'escaped.js'))).toBe(false);
      expect(existsSync(path.join(pm.store.root, 'evil@1.0.0', 'escaped.js'))).toBe(false);
      // Not executable, whatever the archive said.
      expect(statSync(path.join(dir, 'index.js')).mode & 0o111).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
