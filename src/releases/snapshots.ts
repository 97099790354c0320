import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import semver from 'semver';
import { TesseraError } from '../errors.ts';
import type { Blueprint } from '../blueprint/index.ts';
import type { ReleaseStore, ReleaseSummary } from '../registry/index.ts';
import type { StyleBuilder } from '../styles/index.ts';
import type { Tenant } from '../tenants/index.ts';
import type { ArtifactStore } from './artifact-store.ts';

/**
 * A release: an immutable snapshot of one commit of a tenant plus the digest of every built
 * artifact. Its JSON text is written once and served byte for byte forever.
 */
export interface ReleaseSnapshot {
  tenant: string;
  version: string;
  notes: string;
  createdAt: string;
  commit: string;
  /** Number of the last database migration in this commit. */
  migration: number;
  /** The blueprint itself too, so the read path (and a cluster without the tenant's git repo) can serve it. */
  blueprint: { digest: string; document?: Blueprint };
  components: Record<string, { file: string; source: string; bundle: string; digest: string; bytes: number }>;
  /** `access`: who may call the function (its manifest); absent for a public one, and in releases made before access existed. */
  functions: Record<string, { file: string; source: string; digest: string; access?: 'user' | 'admin' }>;
  /** npm packages served to the browser: import map entries (specifier -> URL) and each vendor file's digest. Absent in releases made before packages existed. */
  packages?: { imports: Record<string, string>; assets: Record<string, string> };
  /** The app's Tailwind stylesheet as released (absent in releases made before styling existed). */
  stylesheet?: { file: string; digest: string; bytes: number };
}

/** Strict semver ("1.2.3", "2.0.0-rc.1"); anything else is INVALID_VERSION (400). */
export function checkVersion(version: unknown): string {
  if (typeof version !== 'string' || semver.valid(version) !== version) {
    throw new TesseraError(
      'INVALID_VERSION',
      `Release version ${JSON.stringify(version)} is not semver: use MAJOR.MINOR.PATCH, e.g. "1.0.0" or "1.1.0-beta.1".`,
    );
  }
  return version;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Snapshots the tenant's current commit. The caller holds the tenant's lock. */
export async function createRelease(
  tenant: Tenant,
  registry: ReleaseStore,
  store: ArtifactStore,
  input: { version: unknown; notes?: unknown },
  styles: StyleBuilder,
): Promise<string> {
  const version = checkVersion(input.version);
  const notes = typeof input.notes === 'string' ? input.notes.slice(0, 10_000) : '';
  const commit = tenant.state.head;
  const files = await tenant.workspace.filesAt(commit);
  const sheet = await styles.build(tenant.id, { components: tenant.state.components.values(), theme: tenant.state.blueprint.theme });
  const snapshot: ReleaseSnapshot = {
    tenant: tenant.id,
    version,
    notes,
    createdAt: new Date().toISOString(),
    commit,
    migration: tenant.state.migrationVersion,
    blueprint: { digest: sha256(JSON.stringify(tenant.state.blueprint)), document: tenant.state.blueprint },
    components: Object.fromEntries(
      [...tenant.state.components.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => {
          const file = `frontend/${c.name}.tsx`;
          return [c.name, { file, source: files.get(file) ?? '', bundle: c.fileName, digest: c.hash, bytes: c.bytes }];
        }),
    ),
    functions: Object.fromEntries(
      [...tenant.state.functions.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((f) => [
          f.name,
          { file: f.sourceFile, source: files.get(f.sourceFile) ?? '', digest: f.hash, ...(f.access === 'public' ? {} : { access: f.access }) },
        ]),
    ),
    packages: {
      imports: tenant.state.packageAssets.imports,
      assets: Object.fromEntries(
        [...tenant.state.packageAssets.assets.values()].sort((a, b) => a.fileName.localeCompare(b.fileName)).map((a) => [a.fileName, a.hash]),
      ),
    },
    stylesheet: { file: sheet.fileName, digest: sheet.hash, bytes: sheet.bytes },
  };
  // Keep the exact bytes every release serves, whatever later builds of the same sources produce.
  await Promise.all([
    ...[...tenant.state.components.values()].map((c) => store.put(c.code)),
    ...[...tenant.state.functions.values()].map((f) => store.put(f.code)),
    ...[...tenant.state.packageAssets.assets.values()].map((a) => store.put(a.code)),
    store.put(sheet.code),
  ]);
  const text = JSON.stringify(snapshot, null, 2);
  await registry.createRelease(tenant.id, { version, commit, snapshot: text });
  return text;
}

export async function getRelease(registry: ReleaseStore, tenantId: string, version: string): Promise<string> {
  const text = await registry.getRelease(tenantId, version);
  if (text === null)
    throw new TesseraError('RELEASE_NOT_FOUND', `"${tenantId}" has no release ${version}. List them with GET /api/tenants/${tenantId}/releases.`);
  return text;
}

export async function listReleases(registry: ReleaseStore, tenantId: string): Promise<ReleaseSummary[]> {
  const list = await registry.listReleases(tenantId);
  return list.sort((a, b) => semver.compare(a.version, b.version));
}

export interface ReleaseDiff {
  from: string;
  to: string;
  components: { added: string[]; changed: string[]; removed: string[] };
  functions: { added: string[]; changed: string[]; removed: string[] };
  blueprintChanged: boolean;
  /** The released stylesheets differ (classes in use or the theme). */
  stylesheetChanged: boolean;
  migrations: { from: number; to: number };
  /** Unified diff of every source file that differs between the two commits. */
  patch: string;
}

/** A function whose access changed (same code) has changed too: who may call it is part of it. */
function compare<T extends { digest: string; access?: string }>(a: Record<string, T>, b: Record<string, T>) {
  return {
    added: Object.keys(b)
      .filter((k) => !(k in a))
      .sort(),
    changed: Object.keys(b)
      .filter((k) => k in a && (a[k]!.digest !== b[k]!.digest || a[k]!.access !== b[k]!.access))
      .sort(),
    removed: Object.keys(a)
      .filter((k) => !(k in b))
      .sort(),
  };
}

/** What changed from release `from` to release `to`: artifacts by digest, and the source diff. */
export async function diffReleases(tenant: Tenant, registry: ReleaseStore, from: string, to: string): Promise<ReleaseDiff> {
  const a = JSON.parse(await getRelease(registry, tenant.id, from)) as ReleaseSnapshot;
  const b = JSON.parse(await getRelease(registry, tenant.id, to)) as ReleaseSnapshot;
  const filesA = await tenant.workspace.filesAt(a.commit);
  const filesB = await tenant.workspace.filesAt(b.commit);
  const paths = [...new Set([...filesA.keys(), ...filesB.keys()])].filter((p) => filesA.get(p) !== filesB.get(p)).sort();
  const patches: string[] = [];
  for (const file of paths) {
    const before = (await tenant.workspace.readAt(a.commit, file)) ?? '';
    const after = (await tenant.workspace.readAt(b.commit, file)) ?? '';
    patches.push(createTwoFilesPatch(filesA.has(file) ? `a/${file}` : '/dev/null', filesB.has(file) ? `b/${file}` : '/dev/null', before, after, from, to));
  }
  return {
    from,
    to,
    components: compare(a.components, b.components),
    functions: compare(a.functions, b.functions),
    blueprintChanged: a.blueprint.digest !== b.blueprint.digest,
    stylesheetChanged: a.stylesheet?.digest !== b.stylesheet?.digest,
    migrations: { from: a.migration, to: b.migration },
    patch: patches.join('\n'),
  };
}
