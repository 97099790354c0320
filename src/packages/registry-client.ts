import { TesseraError } from '../errors.ts';
import { isExactVersion, tarballUrlProblem } from './names.ts';

/** One version of a package as an (abbreviated) packument describes it. */
export interface PackageManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  hasInstallScript?: boolean;
  deprecated?: string;
  dist: { tarball: string; integrity?: string; shasum?: string; unpackedSize?: number };
}

export interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, PackageManifest>;
  time?: Record<string, string>;
}

export interface RegistryClientOptions {
  /** Base URL, ending in `/` (config.packages.registry). */
  registry: string;
  timeoutMs: number;
  /** Largest tarball accepted (the unpacked limit bounds the packed size too). */
  maxBytes: number;
  /** Bearer token for the registry (a private one); sent only to URLs under `registry`. */
  authToken?: string;
}

/** Why a request failed, turned into an error that names the package and the registry. */
function unavailable(what: string, registry: string, err: unknown, timeoutMs: number): TesseraError {
  const name = (err as { name?: string } | null)?.name;
  const reason =
    name === 'TimeoutError' || name === 'AbortError' ? `did not answer within ${timeoutMs} ms` : `could not be reached (${(err as Error).message})`;
  return new TesseraError('REGISTRY_UNAVAILABLE', `The npm registry ${registry} ${reason} while fetching ${what}. Nothing was changed; try again later.`, {
    cause: err,
  });
}

/** The registry described a package in a way that cannot be used safely. */
export function invalidRegistryData(registry: string, what: string, why: string): TesseraError {
  return new TesseraError(
    'REGISTRY_DATA_INVALID',
    `The npm registry ${registry} sent unusable data for ${what}: ${why}. It was not used; nothing was changed. Choose another package, or ask the server's operator to check the registry.`,
    { details: { package: what } },
  );
}

/**
 * What a packument must hold before anything of it is used: the package's own name, and versions
 * (keys, their manifests' `version`, dist-tags) that are exact semver, so that none can become a
 * path such as `1.0.0/../../x` in the store.
 */
export function checkPackument(name: string, packument: Packument, registry: string): Packument {
  const refuse = (why: string): never => {
    throw invalidRegistryData(registry, `"${name}"`, why);
  };
  if (packument.name !== undefined && packument.name !== name) refuse(`the packument is named ${JSON.stringify(String(packument.name).slice(0, 100))}`);
  for (const [version, manifest] of Object.entries(packument.versions)) {
    if (!isExactVersion(version)) refuse(`version ${JSON.stringify(String(version).slice(0, 100))} is not a semver version`);
    if (typeof manifest !== 'object' || manifest === null) refuse(`version ${version} has no manifest`);
    if (manifest.version !== version) refuse(`version ${version} calls itself ${JSON.stringify(String(manifest.version).slice(0, 100))}`);
    if (manifest.name !== undefined && manifest.name !== name) refuse(`version ${version} is named ${JSON.stringify(String(manifest.name).slice(0, 100))}`);
  }
  for (const [tag, version] of Object.entries(packument['dist-tags'] ?? {})) {
    if (!isExactVersion(version)) refuse(`the dist-tag "${tag.slice(0, 50)}" points at ${JSON.stringify(String(version).slice(0, 100))}, not a semver version`);
  }
  return packument;
}

/**
 * Talks to one npm registry over HTTP (the registry npm itself is configured with). Every request
 * has a deadline for the whole answer, body included, so a registry that stalls mid-body fails
 * as surely as one that never answers.
 */
export class RegistryClient {
  constructor(private readonly options: RegistryClientOptions) {}

  get registry(): string {
    return this.options.registry;
  }

  /** The registry's token goes to the registry only, never to a tarball host elsewhere. */
  private auth(url: string): Record<string, string> {
    return this.options.authToken && url.startsWith(this.options.registry) ? { authorization: `Bearer ${this.options.authToken}` } : {};
  }

  private refused(status: number, what: string): TesseraError {
    return new TesseraError(
      'REGISTRY_UNAVAILABLE',
      `The npm registry ${this.options.registry} refused ${what} (HTTP ${status}): ${this.options.authToken ? 'its token was not accepted' : 'it needs a token'}. Set "//<registry host>/:_authToken=..." in the project's .npmrc, or npm_config__authToken. Nothing was changed.`,
    );
  }

  /** The package's packument (abbreviated: what an install needs); PACKAGE_NOT_FOUND on 404. */
  async packument(name: string): Promise<Packument> {
    const { registry, timeoutMs } = this.options;
    // Scoped names keep their @ and escape the slash, as npm sends them.
    const url = `${registry}${name.replace('/', '%2f')}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8', ...this.auth(url) },
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw unavailable(`the package "${name}"`, registry, err, timeoutMs);
    }
    if (response.status === 404) {
      throw new TesseraError(
        'PACKAGE_NOT_FOUND',
        `The npm package "${name}" does not exist in the registry ${registry}. Check the import's spelling, or write that code yourself.`,
        { details: { package: name } },
      );
    }
    if (response.status === 401 || response.status === 403) throw this.refused(response.status, `the package "${name}"`);
    if (!response.ok) throw unavailable(`the package "${name}"`, registry, new Error(`HTTP ${response.status}`), timeoutMs);
    try {
      const packument = JSON.parse(text) as Packument;
      if (!packument.versions || typeof packument.versions !== 'object') throw new Error('no versions');
      if (packument['dist-tags'] !== undefined && (typeof packument['dist-tags'] !== 'object' || packument['dist-tags'] === null))
        throw new Error('dist-tags is not an object');
      return checkPackument(name, packument, registry);
    } catch (err) {
      if (err instanceof TesseraError) throw err;
      throw unavailable(`the package "${name}"`, registry, new Error(`invalid packument: ${(err as Error).message}`), timeoutMs);
    }
  }

  /**
   * The tarball's bytes, refused past maxBytes while it streams in (PACKAGE_TOO_LARGE). Only from the
   * configured registry: a URL elsewhere (a packument's or a lockfile's) is REGISTRY_DATA_INVALID.
   */
  async tarball(key: string, url: string): Promise<Buffer> {
    const { registry, timeoutMs, maxBytes } = this.options;
    const problem = tarballUrlProblem(url, registry);
    if (problem) throw invalidRegistryData(registry, key, problem);
    const chunks: Buffer[] = [];
    let size = 0;
    const controller = new AbortController();
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(url, { headers: this.auth(url), signal: AbortSignal.any([controller.signal, timeout]) });
      if (response.status === 401 || response.status === 403) throw this.refused(response.status, `the tarball of ${key}`);
      if (response.status === 404)
        throw new TesseraError('PACKAGE_VERSION_NOT_FOUND', `The tarball of ${key} is missing from the registry (${url}).`, { details: { package: key } });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          controller.abort();
          throw new TesseraError(
            'PACKAGE_TOO_LARGE',
            `The package ${key} is larger than the limit of ${maxBytes} bytes (PACKAGE_MAX_UNPACKED_BYTES) already packed; choose a smaller package.`,
            { details: { package: key, limit: maxBytes } },
          );
        }
        chunks.push(Buffer.from(chunk));
      }
    } catch (err) {
      if (err instanceof TesseraError) throw err;
      throw unavailable(`the tarball of ${key}`, registry, timeout.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err, timeoutMs);
    }
    return Buffer.concat(chunks);
  }
}
