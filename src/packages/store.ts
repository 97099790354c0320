import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ssri from 'ssri';
import { Parser, type ReadEntry } from 'tar';
import { TesseraError } from '../errors.ts';
import { isExactVersion, isValidPackageName, keyOf } from './names.ts';

/** What the store keeps beside each unpacked package. */
interface StoredMeta {
  name: string;
  version: string;
  integrity: string;
  unpackedBytes: number;
  /** Lifecycle scripts the package declares; they were never run. */
  scripts: string[];
}

const META = 'tessera-package.json';
/** Scripts that exist to build native code at install time: such a package cannot work without them. */
const NATIVE_SCRIPTS = ['preinstall', 'install'];
const LIFECYCLE_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/** `@scope/name@1.0.0` -> `@scope+name@1.0.0`: one flat folder per package version. */
const folderOf = (name: string, version: string): string => keyOf(name.replace('/', '+'), version);

/**
 * The content-addressed package store shared by every tenant: one unpacked copy per name@version,
 * checked against its integrity hash before it is moved into place. Each copy sits at
 * `<root>/<name@version>/node_modules/<name>/`, so that esbuild, asked to resolve `name` from
 * `<root>/<name@version>`, finds exactly that copy (with its package.json `exports`, `browser` and
 * `module` fields) and nothing else.
 */
export class PackageStore {
  private readonly inflight = new Map<string, Promise<number>>();

  constructor(
    readonly root: string,
    private readonly maxUnpackedBytes: number,
  ) {
    mkdirSync(root, { recursive: true });
  }

  /**
   * Folder to resolve `name` from (the parent of its `node_modules`). Only a valid npm name and an
   * exact semver version make one, and it is always a direct child of the store's root: whatever a
   * registry or a lockfile says, nothing is ever written outside the store.
   */
  resolveDirOf(name: string, version: string): string {
    const folder = path.join(this.root, folderOf(name, version));
    if (!isValidPackageName(name) || !isExactVersion(version) || path.dirname(folder) !== this.root) {
      throw new TesseraError(
        'REGISTRY_DATA_INVALID',
        `${JSON.stringify(keyOf(name, version).slice(0, 200))} is not an npm name with an exact semver version, so it has no place in the package store. It was not used; nothing was changed.`,
        { details: { package: keyOf(name, version).slice(0, 200) } },
      );
    }
    return folder;
  }

  /** The package's own folder (its package.json is here). */
  packageDirOf(name: string, version: string): string {
    return path.join(this.resolveDirOf(name, version), 'node_modules', ...name.split('/'));
  }

  /** Integrity of the stored copy, or null when it is not stored. */
  async storedIntegrity(name: string, version: string): Promise<string | null> {
    return (await this.storedMeta(name, version))?.integrity ?? null;
  }

  /** Unpacked bytes of the stored copy, or null when it is not stored. */
  async storedBytes(name: string, version: string): Promise<number | null> {
    return (await this.storedMeta(name, version))?.unpackedBytes ?? null;
  }

  private async storedMeta(name: string, version: string): Promise<StoredMeta | null> {
    const folder = this.resolveDirOf(name, version);
    try {
      return JSON.parse(await readFile(path.join(folder, META), 'utf8')) as StoredMeta;
    } catch {
      return null;
    }
  }

  /**
   * Makes sure name@version is stored, downloading it with `download` only when it is not.
   * A stored copy whose integrity differs from the one asked for is a PACKAGE_INTEGRITY_MISMATCH:
   * a lockfile and the store disagree on what name@version is.
   */
  async ensure(name: string, version: string, integrity: string, download: () => Promise<Buffer>): Promise<{ downloaded: boolean; unpackedBytes: number }> {
    const key = keyOf(name, version);
    const stored = await this.storedMeta(name, version);
    if (stored !== null) {
      if (!sameIntegrity(stored.integrity, integrity)) throw mismatch(key, `the stored copy has ${stored.integrity}, the lockfile names ${integrity}`);
      return { downloaded: false, unpackedBytes: stored.unpackedBytes };
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.add(name, version, integrity, download).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
      return { downloaded: true, unpackedBytes: await pending };
    }
    return { downloaded: false, unpackedBytes: await pending };
  }

  /** Downloads, verifies, unpacks and moves name@version into place; resolves to its unpacked bytes. */
  private async add(name: string, version: string, integrity: string, download: () => Promise<Buffer>): Promise<number> {
    const key = keyOf(name, version);
    const tarball = await download();
    // Verify before a single byte is unpacked: a tampered or truncated tarball never reaches disk.
    if (!ssri.checkData(tarball, integrity)) {
      const actual = ssri.fromData(tarball, { algorithms: [ssri.parse(integrity).pickAlgorithm() as 'sha512'] }).toString();
      throw mismatch(key, `the registry says ${integrity}, the tarball is ${actual}`);
    }
    const final = this.resolveDirOf(name, version);
    const staging = `${final}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const target = path.join(staging, 'node_modules', ...name.split('/'));
    try {
      mkdirSync(target, { recursive: true });
      const unpackedBytes = await this.unpack(key, tarball, target);
      const manifest = JSON.parse(await readFile(path.join(target, 'package.json'), 'utf8').catch(() => '{}')) as {
        scripts?: Record<string, string>;
        gypfile?: boolean;
      };
      const scripts = Object.keys(manifest.scripts ?? {}).filter((s) => LIFECYCLE_SCRIPTS.includes(s));
      const native = [
        ...(manifest.gypfile ? ['"gypfile": true'] : []),
        ...(existsSync(path.join(target, 'binding.gyp')) ? ['a binding.gyp'] : []),
        ...scripts.filter((s) => NATIVE_SCRIPTS.includes(s)).map((s) => `an "${s}" script (${JSON.stringify(manifest.scripts![s]!.slice(0, 80))})`),
      ];
      if (native.length) {
        throw new TesseraError(
          'PACKAGE_NATIVE_BUILD',
          `The package ${key} needs a native build (${native.join(', ')}). Tessera never runs install scripts, so it cannot be used: choose a pure JavaScript package.`,
          { details: { package: key } },
        );
      }
      const meta: StoredMeta = { name, version, integrity, unpackedBytes, scripts };
      await writeFile(path.join(staging, META), JSON.stringify(meta, null, 2));
      try {
        await rename(staging, final);
      } catch (err) {
        // Another process stored the same version first: its copy is as good as ours.
        if (!existsSync(path.join(final, META))) throw err;
      }
      return unpackedBytes;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Unpacks a verified tarball: plain files and folders only (no links or devices), every path
   * checked to stay inside `target`, sizes counted as entries arrive. tar's parser reads the
   * archive; the files are written here in one pass, several times faster than tar's own Unpack for
   * packages of thousands of small files (date-fns: 5,000). Nothing in it is executed.
   */
  private async unpack(key: string, tarball: Buffer, target: string): Promise<number> {
    const files: Array<{ path: string; data: Buffer[] }> = [];
    let total = 0;
    let problem: TesseraError | null = null;
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        // npm tarballs hold one top folder (usually `package/`): its contents are the package.
        const parts = entry.path
          .replace(/\\/g, '/')
          .split('/')
          .slice(1)
          .filter((part) => part !== '' && part !== '.');
        const unsafe = parts.some((part) => part === '..' || part.includes('\0')) || path.isAbsolute(entry.path);
        total += entry.size ?? 0;
        if (total > this.maxUnpackedBytes && !problem) {
          problem = new TesseraError(
            'PACKAGE_TOO_LARGE',
            `The package ${key} unpacks to more than the limit of ${this.maxUnpackedBytes} bytes (PACKAGE_MAX_UNPACKED_BYTES); choose a smaller package.`,
            { details: { package: key, limit: this.maxUnpackedBytes } },
          );
        }
        if (problem || unsafe || parts.length === 0 || (entry.type !== 'File' && entry.type !== 'OldFile')) {
          entry.resume();
          return;
        }
        const file = { path: parts.join('/'), data: [] as Buffer[] };
        files.push(file);
        entry.on('data', (chunk: Buffer) => file.data.push(chunk));
      },
    });
    await new Promise<void>((resolve, reject) => {
      parser.on('error', reject);
      parser.on('end', () => resolve());
      // zlib in one call is quicker than the parser's streaming inflate; the bound holds on the result.
      parser.end(tarball[0] === 0x1f && tarball[1] === 0x8b ? gunzipSync(tarball, { maxOutputLength: Math.max(this.maxUnpackedBytes * 2, 1 << 20) }) : tarball);
    });
    if (problem) throw problem;
    // A later entry of the same path wins, as with tar.
    const byPath = new Map(files.map((file) => [path.join(target, file.path), file.data]));
    for (const folder of new Set([...byPath.keys()].map((file) => path.dirname(file)))) mkdirSync(folder, { recursive: true });
    const queue = [...byPath].filter(([absolute]) => absolute.startsWith(target + path.sep));
    // Many writes in flight: the thread pool overlaps the file system's latency.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let next = queue.pop(); next; next = queue.pop()) await writeFile(next[0], Buffer.concat(next[1]), { mode: 0o644 });
      }),
    );
    return total;
  }
}

function sameIntegrity(a: string, b: string): boolean {
  return Boolean(ssri.parse(a).match(ssri.parse(b)));
}

function mismatch(key: string, why: string): TesseraError {
  return new TesseraError('PACKAGE_INTEGRITY_MISMATCH', `The package ${key} failed its integrity check (${why}). It was not used; nothing was changed.`, {
    details: { package: key },
  });
}
