import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssri from 'ssri';
import { create } from 'tar';

/** A package the test registry publishes: its package.json fields and its files. */
export interface FixturePackage {
  name: string;
  version: string;
  /** Extra package.json fields (dependencies, scripts, exports, browser, gypfile...). */
  manifest?: Record<string, unknown>;
  /** Files besides package.json, by path inside the package. */
  files: Record<string, string>;
  /** Symbolic links packed into the tarball as they are (path inside the package: target), as a hostile package would ship them. */
  symlinks?: Record<string, string>;
}

export interface TestRegistry {
  /** Base URL, ending in `/`: what npm_config_registry is set to. */
  url: string;
  /** Requests served, e.g. `packument date-fns`, `tarball date-fns@4.1.0`. */
  requests: string[];
  count(kind: 'packument' | 'tarball', nameOrKey: string): number;
  /** Publish more packages (e.g. a new version) while running. */
  publish(...packages: FixturePackage[]): Promise<void>;
  /** Serve this tarball with one byte flipped (its packument keeps the true integrity). */
  corrupt(key: string): void;
  /** Never answer requests about this package (a registry that hangs). */
  hang(name: string): void;
  /** Serve this package's packument as `edit` changes it (a hostile or broken registry); tarballs stay as published. */
  tamper(name: string, edit: (packument: { name: string; 'dist-tags': Record<string, string>; versions: Record<string, any> }) => void): void;
  /** The most packument requests that were being answered at the same time. */
  maxConcurrentPackuments(): number;
  close(): Promise<void>;
}

interface Published {
  manifest: Record<string, unknown>;
  tarball: Buffer;
}

async function pack(pkg: FixturePackage): Promise<{ tarball: Buffer; unpackedSize: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-fixture-'));
  try {
    const root = path.join(dir, 'package');
    const files: Record<string, string> = { ...pkg.files, 'package.json': JSON.stringify({ name: pkg.name, version: pkg.version, ...pkg.manifest }, null, 2) };
    let unpackedSize = 0;
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
      unpackedSize += Buffer.byteLength(content);
    }
    for (const [link, target] of Object.entries(pkg.symlinks ?? {})) {
      mkdirSync(path.dirname(path.join(root, link)), { recursive: true });
      symlinkSync(target, path.join(root, link));
    }
    const chunks: Buffer[] = [];
    // portable + fixed mtime: the same fixture packs to the same bytes, like a published tarball.
    const stream = create({ gzip: true, cwd: dir, portable: true, mtime: new Date(0) }, ['package']);
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    return { tarball: Buffer.concat(chunks), unpackedSize };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A small npm registry on 127.0.0.1 for tests: serves packuments (full, with `dist.integrity`,
 * `dist.tarball`, `dist.unpackedSize`) and gzipped tarballs built from fixture packages, and records
 * every request so tests can count downloads.
 */
export async function startTestRegistry(
  packages: FixturePackage[] = [],
  options: { packumentDelayMs?: number; requireToken?: string } = {},
): Promise<TestRegistry> {
  let packumentsInFlight = 0;
  let maxPackumentsInFlight = 0;
  const byName = new Map<string, Map<string, Published>>();
  const corrupted = new Set<string>();
  const hanging = new Set<string>();
  const tampered = new Map<string, (packument: any) => void>();
  const requests: string[] = [];
  const pending = new Set<http.ServerResponse>();
  let url = '';

  async function publish(...more: FixturePackage[]): Promise<void> {
    for (const pkg of more) {
      const { tarball, unpackedSize } = await pack(pkg);
      const file = `${pkg.name.split('/').pop()}-${pkg.version}.tgz`;
      const manifest = {
        name: pkg.name,
        version: pkg.version,
        ...pkg.manifest,
        ...(pkg.manifest?.scripts && ['preinstall', 'install', 'postinstall'].some((s) => s in (pkg.manifest!.scripts as object))
          ? { hasInstallScript: true }
          : {}),
        dist: { tarball: `${url}${pkg.name}/-/${file}`, integrity: ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(), unpackedSize },
      };
      const versions = byName.get(pkg.name) ?? new Map<string, Published>();
      versions.set(pkg.version, { manifest, tarball });
      byName.set(pkg.name, versions);
    }
  }

  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
    const tarballMatch = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(pathname);
    const name = tarballMatch ? tarballMatch[1]! : pathname;
    requests.push(tarballMatch ? `tarball ${name}@${tarballMatch[2]}` : `packument ${name}`);
    // A private registry: everything needs its token.
    if (options.requireToken && req.headers.authorization !== `Bearer ${options.requireToken}`) {
      res.writeHead(req.headers.authorization ? 403 : 401, { 'content-type': 'application/json' }).end('{"error":"authentication required"}');
      return;
    }
    if (hanging.has(name)) {
      pending.add(res);
      return;
    }
    const versions = byName.get(name);
    if (!versions) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      return;
    }
    if (tarballMatch) {
      const published = versions.get(tarballMatch[2]!);
      if (!published) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.from(published.tarball);
      if (corrupted.has(`${name}@${tarballMatch[2]}`)) body[body.length - 10]! ^= 0xff;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      return;
    }
    const sorted = [...versions.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const packument = structuredClone({
      name,
      'dist-tags': { latest: sorted[sorted.length - 1] },
      versions: Object.fromEntries([...versions].map(([v, p]) => [v, p.manifest])),
    });
    tampered.get(name)?.(packument);
    // A registry far away: each packument takes this long, so requests made one after another add up.
    packumentsInFlight++;
    maxPackumentsInFlight = Math.max(maxPackumentsInFlight, packumentsInFlight);
    setTimeout(() => {
      packumentsInFlight--;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
    }, options.packumentDelayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await publish(...packages);

  return {
    url,
    requests,
    count: (kind, what) => requests.filter((r) => r === `${kind} ${what}`).length,
    publish,
    corrupt: (key) => corrupted.add(key),
    hang: (name) => hanging.add(name),
    tamper: (name, edit) => tampered.set(name, edit),
    maxConcurrentPackuments: () => maxPackumentsInFlight,
    async close() {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
