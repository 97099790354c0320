import semver from 'semver';
import { sameSecret } from '../auth/index.ts';
import { TesseraError, toTesseraError } from '../errors.ts';
import { tenantIdSchema } from '../names.ts';

/*
 * The platform's read path as Fission-contract functions: which bundles a live release uses
 * (`mfe-registry`), its blueprint (`sdui-config`) and the release list plus deploy (`releases`).
 * This one file is both what the Tessera service answers at /api/serving/<name> and what is
 * bundled into the functions exported to Fission (src/fission/read-path.ts), so a cluster can
 * serve apps without the Tessera service on the hot path and both answer alike.
 * Keep its imports light: it is bundled with `pg` alone.
 */

/** What the read path needs of the control plane: the registry, and how a deploy happens there. */
export interface ReadPathStore {
  liveVersion(tenant: string): Promise<string | null>;
  getRelease(tenant: string, version: string): Promise<string | null>;
  listReleases(tenant: string): Promise<Array<{ version: string; commit: string; createdAt: string }>>;
  deploy(tenant: string, version: string, by: string): Promise<{ previous: string | null }>;
}

export interface FissionContext {
  request: { method: string; query: Record<string, unknown>; body?: unknown; headers: Record<string, unknown> };
}
export interface FissionReply {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}
export type FissionHandler = (context: FissionContext) => Promise<FissionReply>;

export const READ_PATH_NAMES = ['mfe-registry', 'sdui-config', 'releases'] as const;
export type ReadPathName = (typeof READ_PATH_NAMES)[number];

interface Snapshot {
  tenant: string;
  version: string;
  commit: string;
  blueprint: { digest: string; document?: unknown };
  components: Record<string, { bundle: string; digest: string; bytes: number }>;
  functions: Record<string, { digest: string }>;
}

const NO_STORE = { 'cache-control': 'no-store' };

function tenantOf(value: unknown): string {
  const tenant = Array.isArray(value) ? value[0] : value;
  if (typeof tenant !== 'string' || !tenantIdSchema.safeParse(tenant).success) {
    throw new TesseraError('INVALID_TENANT_ID', `Give the app as ?tenant=<id> (a DNS label, e.g. notes), not ${JSON.stringify(tenant ?? null)}.`);
  }
  return tenant;
}

/** The release the request asks for (`?version=`), else the live one. */
async function releaseOf(store: ReadPathStore, query: Record<string, unknown>): Promise<Snapshot> {
  const tenant = tenantOf(query.tenant);
  const asked = typeof query.version === 'string' && query.version !== '' ? query.version : null;
  const version = asked ?? (await store.liveVersion(tenant));
  if (version === null) throw new TesseraError('NOT_FOUND', `"${tenant}" has no live release yet: deploy one first.`);
  const text = await store.getRelease(tenant, version);
  if (text === null) throw new TesseraError('RELEASE_NOT_FOUND', `"${tenant}" has no release ${version}.`);
  return JSON.parse(text) as Snapshot;
}

function onlyMethods(context: FissionContext, methods: string[]): void {
  if (!methods.includes(context.request.method))
    throw new TesseraError('INVALID_ARGUMENTS', `Use ${methods.join(' or ')} here, not ${context.request.method}.`);
}

function bearer(headers: Record<string, unknown>): string | null {
  const value = headers.authorization;
  const match = typeof value === 'string' ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match ? match[1]! : null;
}

/**
 * The three read-path functions over `store`. Deploying (POST releases) needs `deployToken` as a
 * bearer token; without one configured, deploys through this path are refused.
 */
export function readPathHandlers(store: ReadPathStore, options: { deployToken?: string } = {}): Record<ReadPathName, FissionHandler> {
  const guard =
    (handler: FissionHandler): FissionHandler =>
    async (context) => {
      try {
        return await handler(context);
      } catch (err) {
        const error = toTesseraError(err);
        return { status: error.status, headers: NO_STORE, body: { ok: false, error: { code: error.code, message: error.message } } };
      }
    };
  return {
    'mfe-registry': guard(async (context) => {
      onlyMethods(context, ['GET', 'HEAD']);
      const release = await releaseOf(store, context.request.query);
      const components = Object.fromEntries(
        Object.entries(release.components).map(([name, c]) => [name, { bundle: c.bundle, digest: c.digest, bytes: c.bytes }]),
      );
      const functions = Object.fromEntries(Object.entries(release.functions).map(([name, f]) => [name, { digest: f.digest }]));
      return { status: 200, headers: NO_STORE, body: { tenant: release.tenant, version: release.version, commit: release.commit, components, functions } };
    }),
    'sdui-config': guard(async (context) => {
      onlyMethods(context, ['GET', 'HEAD']);
      const release = await releaseOf(store, context.request.query);
      if (release.blueprint.document === undefined) {
        throw new TesseraError(
          'NOT_FOUND',
          `Release ${release.version} of "${release.tenant}" was made before releases recorded their blueprint; create a new release.`,
        );
      }
      return {
        status: 200,
        headers: NO_STORE,
        body: { tenant: release.tenant, version: release.version, digest: release.blueprint.digest, blueprint: release.blueprint.document },
      };
    }),
    releases: guard(async (context) => {
      onlyMethods(context, ['GET', 'HEAD', 'POST']);
      if (context.request.method !== 'POST') {
        const tenant = tenantOf(context.request.query.tenant);
        const [live, list] = await Promise.all([store.liveVersion(tenant), store.listReleases(tenant)]);
        const releases = [...list]
          .sort((a, b) => semver.compare(a.version, b.version))
          .map((r) => ({ version: r.version, commit: r.commit, createdAt: r.createdAt, live: r.version === live }));
        return { status: 200, headers: NO_STORE, body: { tenant, live, releases } };
      }
      const token = bearer(context.request.headers);
      if (!options.deployToken) throw new TesseraError('FORBIDDEN', 'Deploying through the read path is turned off: no deploy token is configured.');
      if (token === null || !sameSecret(token, options.deployToken))
        throw new TesseraError('UNAUTHORIZED', 'Deploying needs the deploy token as "Authorization: Bearer <token>".');
      const body = (typeof context.request.body === 'object' && context.request.body !== null ? context.request.body : {}) as Record<string, unknown>;
      const tenant = tenantOf(body.tenant);
      if (typeof body.version !== 'string') throw new TesseraError('INVALID_ARGUMENTS', 'Give {"tenant": "<id>", "version": "<release>"} as JSON.');
      if ((await store.getRelease(tenant, body.version)) === null) throw new TesseraError('RELEASE_NOT_FOUND', `"${tenant}" has no release ${body.version}.`);
      const { previous } = await store.deploy(tenant, body.version, 'read-path');
      return { status: 200, headers: NO_STORE, body: { ok: true, tenant, version: body.version, previous } };
    }),
  };
}
