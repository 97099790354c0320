import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import { CJS_DEFAULT_FOOTER, NODE_CJS_BUNDLE } from '../bundler/index.ts';
import { READ_PATH_NAMES, type ReadPathName } from '../serving/index.ts';
import { makeZip } from './archive.ts';
import { DEFAULT_NODE_IMAGE, type ExportFile } from './export.ts';
import { dnsLabel, stableUuid } from './names.ts';

export const READ_PATH_FUNCTIONS = READ_PATH_NAMES;
const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'read-path-entry.ts');

export interface ReadPathExportOptions {
  namespace?: string;
  /** PostgreSQL URL as the cluster's functions reach it, normally pgbouncer's (transaction mode). */
  databaseUrl?: string;
  /** Bearer token that POST /_tessera/releases (deploy) requires; a fresh one when not given. */
  deployToken?: string;
  image?: string;
  poolSize?: number;
  runtimeClass?: string;
}

/** The entry bundled for one handler: the service's own handler code plus `pg`, in one CommonJS file. */
export async function buildReadPathFunction(handler: ReadPathName, secret: { namespace: string; name: string }): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    ...NODE_CJS_BUNDLE,
    minify: true,
    // pg's optional native and Cloudflare transports are never used here.
    external: ['pg-native', 'pg-cloudflare', 'cloudflare:sockets'],
    define: { __TESSERA_READ_PATH__: JSON.stringify({ handler, namespace: secret.namespace, secret: secret.name }) },
    footer: { js: CJS_DEFAULT_FOOTER },
  });
  return result.outputFiles[0]!.text;
}

/**
 * The platform's own read path for a cluster: `mfe-registry`, `sdui-config` and `releases` as
 * Fission functions over the central PostgreSQL, routed at `/_tessera/<name>` (?tenant=<id>), with
 * a Secret holding the database URL and the deploy token.
 */
export async function exportReadPath(options: ReadPathExportOptions = {}): Promise<{ files: ExportFile[]; deployToken: string }> {
  const namespace = options.namespace ?? 'default';
  const secretName = 'tessera-read-path';
  const envName = 'tessera-read-path-nodejs';
  const labels = { 'app.kubernetes.io/managed-by': 'tessera', 'app.kubernetes.io/part-of': 'tessera-read-path' };
  const meta = (name: string) => ({ name, namespace, labels });
  const doc = (...documents: unknown[]) => new TextEncoder().encode(documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
  const deployToken = options.deployToken ?? `tsp_${randomBytes(32).toString('base64url')}`;
  const files: ExportFile[] = [
    {
      path: 'specs/fission-deployment-config.yaml',
      content: doc({ apiVersion: 'fission.io/v1', kind: 'DeploymentConfig', name: 'tessera-read-path', uid: stableUuid('tessera/read-path') }),
    },
    {
      path: 'specs/environment.yaml',
      content: doc({
        apiVersion: 'fission.io/v1',
        kind: 'Environment',
        metadata: meta(envName),
        spec: {
          version: 2,
          runtime: {
            image: options.image ?? DEFAULT_NODE_IMAGE,
            ...(options.runtimeClass ? { podspec: { runtimeClassName: options.runtimeClass, containers: [] } } : {}),
          },
          poolsize: options.poolSize ?? 3,
          allowedFunctionsPerContainer: 'single',
          resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        },
      }),
    },
  ];
  for (const handler of READ_PATH_NAMES) {
    const name = dnsLabel('tessera', handler);
    const archive = `${name}-zip`;
    const code = await buildReadPathFunction(handler, { namespace, name: secretName });
    files.push({
      path: `archives/${archive}.zip`,
      content: makeZip({ 'index.js': code, 'package.json': `${JSON.stringify({ name, private: true, main: 'index.js', type: 'commonjs' })}\n` }),
    });
    files.push({
      path: `specs/${name}.yaml`,
      content: doc(
        { kind: 'ArchiveUploadSpec', name: archive, include: [`archives/${archive}.zip`] },
        {
          apiVersion: 'fission.io/v1',
          kind: 'Package',
          metadata: meta(name),
          spec: { environment: { name: envName, namespace }, deployment: { type: 'url', url: `archive://${archive}`, checksum: {} }, source: { checksum: {} } },
          status: { buildstatus: 'none' },
        },
        {
          apiVersion: 'fission.io/v1',
          kind: 'Function',
          metadata: meta(name),
          spec: {
            environment: { name: envName, namespace },
            package: { functionName: 'index', packageref: { name, namespace } },
            secrets: [{ name: secretName, namespace }],
            InvokeStrategy: {
              StrategyType: 'execution',
              ExecutionStrategy: { ExecutorType: 'poolmgr', MinScale: 0, MaxScale: 0, SpecializationTimeout: 120, TargetCPUPercent: 0 },
            },
            functionTimeout: 10,
            idletimeout: 600,
            concurrency: 500,
            requestsPerPod: 50,
          },
        },
        {
          apiVersion: 'fission.io/v1',
          kind: 'HTTPTrigger',
          metadata: meta(`${name}-route`),
          spec: {
            host: '',
            relativeurl: `/_tessera/${handler}`,
            methods: handler === 'releases' ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD'],
            createingress: false,
            functionref: { type: 'name', name },
          },
        },
      ),
    });
  }
  files.push({
    path: `k8s/secret-${secretName}.yaml`,
    secret: true,
    content: doc({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(secretName),
      type: 'Opaque',
      stringData: {
        'database-url': options.databaseUrl ?? 'postgres://tessera:CHANGE-ME@pgbouncer.tessera.svc.cluster.local:6432/tessera',
        'deploy-token': deployToken,
      },
    }),
  });
  return { files, deployToken };
}
