import { createHash, randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { TesseraError } from '../errors.ts';
import type { DataTokenStore, EgressRuleStore, ReleaseStore, SealedSecretStore } from '../registry/index.ts';
import { getRelease, type ArtifactStore, type ReleaseSnapshot } from '../releases/index.ts';
import { makeZip } from './archive.ts';
import { platformModules } from './modules.ts';
import { dnsLabel, stableUuid } from './names.ts';

/** Fission's own Node.js environment image (Node 22), which runs the exported files unchanged. */
export const DEFAULT_NODE_IMAGE = 'ghcr.io/fission/node-env:latest';
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export interface FissionExportOptions {
  /** Base URL of the Tessera service as the cluster reaches it; functions call `<dataUrl>/data/v1/<tenant>`. */
  dataUrl: string;
  namespace?: string;
  /** Environment image (default Fission's node-env). */
  image?: string;
  /** Warm generic pods the pool manager keeps (default 3). */
  poolSize?: number;
  /** Kubernetes RuntimeClass for the function pods, e.g. "gvisor" (gVisor's runsc). */
  runtimeClass?: string;
  /** `poolmgr` (default: warm pool, specialized on first call) or `newdeploy` (a Deployment per function, scaled between minScale and maxScale). */
  executor?: 'poolmgr' | 'newdeploy';
  minScale?: number;
  maxScale?: number;
  /** Per-invocation limits, from the platform's function limits. */
  limits: { timeoutMs: number; memoryMb: number; concurrency: number };
  /**
   * Routing: `host` routes `<tenant>.<appDomain>/api/<fn>` (one ingress for every app);
   * `prefix` routes `/<tenant>/api/<fn>` on any host.
   */
  routing?: 'host' | 'prefix';
  appDomain?: string;
  /** Canary: send `weight`% of each function's traffic to this release and the rest to release `from`. */
  canary?: { from: string; weight: number };
}

/** One file of an export, relative to the output directory. */
export interface ExportFile {
  path: string;
  content: Uint8Array;
  /** Files holding credentials are written owner-only. */
  secret?: boolean;
}

export interface FissionExport {
  tenant: string;
  version: string;
  namespace: string;
  files: ExportFile[];
  /** Object names, for people and tests. */
  names: {
    deploymentConfig: string;
    environment: string;
    dataSecret: string;
    appSecret: string;
    functions: Record<string, { archive: string; package: string; function: string; trigger: string }>;
  };
}

const yaml = (...documents: unknown[]): string => documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
const text = (path: string, content: string, secret = false): ExportFile => ({
  path,
  content: new TextEncoder().encode(content),
  ...(secret ? { secret } : {}),
});
const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Object names for one tenant; release-scoped ones include the version, so releases coexist. */
export function fissionNames(tenant: string, version: string) {
  return {
    deploymentConfig: dnsLabel('tessera', tenant),
    environment: dnsLabel(tenant, 'nodejs'),
    dataSecret: dnsLabel(tenant, version, 'data'),
    appSecret: dnsLabel(tenant, 'secrets'),
    archive: (fn: string) => dnsLabel(tenant, fn, version, 'zip'),
    package: (fn: string) => dnsLabel(tenant, fn, version),
    function: (fn: string) => dnsLabel(tenant, fn, version),
    trigger: (fn: string) => dnsLabel(tenant, fn, 'api'),
  };
}

function checkOptions(options: FissionExportOptions): void {
  let url: URL;
  try {
    url = new URL(options.dataUrl);
  } catch {
    throw new TesseraError(
      'INVALID_ARGUMENTS',
      `--data-url ${JSON.stringify(options.dataUrl)} is not a URL: give the Tessera service's address as the cluster reaches it, e.g. http://tessera.tessera.svc.cluster.local:3000`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TesseraError('INVALID_ARGUMENTS', `--data-url must be http(s), not ${url.protocol}`);
  if (options.namespace !== undefined && dnsLabel(options.namespace) !== options.namespace)
    throw new TesseraError('INVALID_ARGUMENTS', `Namespace "${options.namespace}" is not a DNS label.`);
  if (options.canary && !(Number.isInteger(options.canary.weight) && options.canary.weight >= 1 && options.canary.weight <= 99)) {
    throw new TesseraError('INVALID_ARGUMENTS', `A canary weight is a whole percentage from 1 to 99, not ${options.canary.weight}.`);
  }
  if (options.executor === 'newdeploy' && (options.minScale ?? 0) > (options.maxScale ?? 1))
    throw new TesseraError('INVALID_ARGUMENTS', `minScale (${options.minScale}) is above maxScale (${options.maxScale}).`);
}

/**
 * Writes what `fission spec apply` takes for one release of a tenant: `specs/` (DeploymentConfig,
 * the tenant's Node.js Environment, and per function an ArchiveUploadSpec + Package + Function, plus
 * `specs/routes.yaml` with one HTTPTrigger per function pointing at this release), `archives/`
 * (one zip per function: the function's exact bundle as `index.js`, and the platform modules in
 * `node_modules/`) and `k8s/` (the Secret with the data endpoint URL and a fresh per-tenant token,
 * applied with kubectl; never inside an archive). Exporting another release into the same folder
 * adds its functions beside the first; only `routes.yaml` changes, which is how a release goes live
 * and, exported again, how it rolls back.
 */
export async function exportFission(
  deps: { registry: DataTokenStore & EgressRuleStore & ReleaseStore & SealedSecretStore; store: ArtifactStore },
  tenant: string,
  version: string,
  options: FissionExportOptions,
): Promise<FissionExport> {
  checkOptions(options);
  const snapshot = JSON.parse(await getRelease(deps.registry, tenant, version)) as ReleaseSnapshot;
  const namespace = options.namespace ?? 'default';
  const names = fissionNames(tenant, version);
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    namespace,
    labels: { 'app.kubernetes.io/managed-by': 'tessera', 'tessera.dev/tenant': tenant, ...extra },
  });
  const envRef = { name: names.environment, namespace };
  const files: ExportFile[] = [];

  files.push(
    text(
      'specs/fission-deployment-config.yaml',
      yaml({ apiVersion: 'fission.io/v1', kind: 'DeploymentConfig', name: names.deploymentConfig, uid: stableUuid(`tessera/${tenant}`) }),
    ),
  );
  files.push(
    text(
      'specs/environment.yaml',
      yaml({
        apiVersion: 'fission.io/v1',
        kind: 'Environment',
        metadata: meta(names.environment),
        spec: {
          version: 2,
          runtime: {
            image: options.image ?? DEFAULT_NODE_IMAGE,
            ...(options.runtimeClass ? { podspec: { runtimeClassName: options.runtimeClass, containers: [] } } : {}),
          },
          poolsize: options.poolSize ?? 3,
          keeparchive: false,
          allowedFunctionsPerContainer: 'single',
          // Egress is the tenant's to open later (issue #11); functions reach only the data endpoint.
          allowAccessToExternalNetwork: false,
          resources: { requests: { cpu: '50m', memory: `${options.limits.memoryMb}Mi` }, limits: { memory: `${Math.ceil(options.limits.memoryMb * 1.5)}Mi` } },
          terminationGracePeriod: 30,
        },
      }),
    ),
  );

  // Fission's router would call a "user" or "admin" function for anyone: refuse rather than open it.
  const guarded = Object.entries(snapshot.functions).filter(([, entry]) => entry.access);
  if (guarded.length) {
    throw new TesseraError(
      'EXPORT_UNSUPPORTED',
      `Release ${version} of "${tenant}" has functions only signed-in app users may call (${guarded.map(([fn, entry]) => `${fn}: ${entry.access}`).join(', ')}); the Fission export cannot enforce that yet, so it exports no release with such functions rather than open them to anyone.`,
    );
  }
  const modules = await platformModules({ namespace, data: names.dataSecret, app: names.appSecret });
  const functionNames: FissionExport['names']['functions'] = {};
  for (const [fn, entry] of Object.entries(snapshot.functions)) {
    const code = await deps.store.get(entry.digest);
    if (code === null || sha256(code) !== entry.digest) {
      throw new TesseraError(
        'INTERNAL',
        `Release ${version} of "${tenant}": the bundle of function ${fn} (${entry.digest.slice(0, 12)}) is missing from the artifact store.`,
      );
    }
    const archive = makeZip({
      'index.js': code,
      'package.json': `${JSON.stringify({ name: names.function(fn), private: true, main: 'index.js', type: 'commonjs' }, null, 2)}\n`,
      ...modules,
    });
    const archiveName = names.archive(fn);
    const archivePath = `archives/${archiveName}.zip`;
    files.push({ path: archivePath, content: archive });
    const labels = { 'tessera.dev/release': dnsLabel(version), 'tessera.dev/function': fn };
    const executor = options.executor ?? 'poolmgr';
    files.push(
      text(
        `specs/function-${names.function(fn)}.yaml`,
        yaml(
          { kind: 'ArchiveUploadSpec', name: archiveName, include: [archivePath] },
          {
            apiVersion: 'fission.io/v1',
            kind: 'Package',
            metadata: meta(names.package(fn), labels),
            spec: { environment: envRef, deployment: { type: 'url', url: `archive://${archiveName}`, checksum: {} }, source: { checksum: {} } },
            status: { buildstatus: 'none' },
          },
          {
            apiVersion: 'fission.io/v1',
            kind: 'Function',
            metadata: { ...meta(names.function(fn), labels), annotations: { 'tessera.dev/digest': entry.digest, 'tessera.dev/version': version } },
            spec: {
              environment: envRef,
              // The archive unpacks to a folder; "index" is its index.js, whose module.exports is the function.
              package: { functionName: 'index', packageref: { name: names.package(fn), namespace } },
              secrets: [
                { name: names.dataSecret, namespace },
                { name: names.appSecret, namespace },
              ],
              InvokeStrategy: {
                StrategyType: 'execution',
                ExecutionStrategy: {
                  ExecutorType: executor,
                  MinScale: executor === 'newdeploy' ? (options.minScale ?? 0) : 0,
                  MaxScale: executor === 'newdeploy' ? (options.maxScale ?? 1) : 0,
                  SpecializationTimeout: 120,
                  TargetCPUPercent: executor === 'newdeploy' ? 80 : 0,
                },
              },
              functionTimeout: Math.max(1, Math.ceil(options.limits.timeoutMs / 1000)),
              idletimeout: 120,
              concurrency: options.limits.concurrency,
              requestsPerPod: 1,
              resources: { requests: { memory: `${options.limits.memoryMb}Mi` }, limits: { memory: `${Math.ceil(options.limits.memoryMb * 1.5)}Mi` } },
            },
          },
        ),
      ),
    );
    functionNames[fn] = { archive: archiveName, package: names.package(fn), function: names.function(fn), trigger: names.trigger(fn) };
  }

  // Going live: every trigger names this release's functions (or splits traffic with a canary).
  const from = options.canary ? (JSON.parse(await getRelease(deps.registry, tenant, options.canary.from)) as ReleaseSnapshot) : null;
  const fromNames = options.canary ? fissionNames(tenant, options.canary.from) : null;
  const routing = options.routing ?? 'host';
  const triggers = Object.keys(snapshot.functions).map((fn) => {
    const weighted = from && fromNames && fn in from.functions;
    return {
      apiVersion: 'fission.io/v1',
      kind: 'HTTPTrigger',
      metadata: meta(names.trigger(fn), { 'tessera.dev/function': fn, 'tessera.dev/live': dnsLabel(version) }),
      spec: {
        ...(routing === 'host'
          ? { host: `${tenant}.${options.appDomain ?? 'localhost'}`, prefix: `/api/${fn}` }
          : { host: '', prefix: `/${tenant}/api/${fn}` }),
        keepPrefix: false,
        methods: ALL_METHODS,
        createingress: false,
        functionref: weighted
          ? {
              type: 'function-weights',
              name: names.function(fn),
              functionweights: { [names.function(fn)]: options.canary!.weight, [fromNames.function(fn)]: 100 - options.canary!.weight },
            }
          : { type: 'name', name: names.function(fn) },
      },
    };
  });
  files.push(text('specs/routes.yaml', triggers.length ? yaml(...triggers) : '# This release has no functions.\n'));

  // A fresh token per export, labelled with the release: earlier exports keep working until revoked.
  const token = `tsd_${randomBytes(32).toString('base64url')}`;
  await deps.registry.addDataToken(tenant, { hash: sha256(token), label: `fission:${version}` });
  const endpoint = `${options.dataUrl.replace(/\/+$/, '')}/data/v1/${tenant}`;
  files.push(
    text(
      `k8s/secret-${names.dataSecret}.yaml`,
      yaml({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta(names.dataSecret, { 'tessera.dev/release': dnsLabel(version) }),
        type: 'Opaque',
        stringData: { url: endpoint, token },
      }),
      true,
    ),
  );
  // The app's own secrets: their names, never their values (no API answer carries a value). The
  // operator fills them in, or creates the Secret with kubectl from their own store.
  const secretNames = (await deps.registry.listSecrets(tenant)).map((s) => s.name);
  files.push(
    text(
      `k8s/secret-${names.appSecret}.yaml`,
      `# The secrets of ${tenant}: fill in each value before applying (Tessera never exports values), or
# kubectl create secret generic ${names.appSecret} -n ${namespace}${secretNames.map((n) => ` --from-literal=${n}=...`).join('')}
` +
        yaml({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: meta(names.appSecret),
          type: 'Opaque',
          stringData: Object.fromEntries(secretNames.map((n) => [n, ''])),
        }),
      true,
    ),
  );
  const allowed = (await deps.registry.listEgress(tenant)).filter((rule) => rule.status === 'allowed').map((rule) => rule.host);
  files.push(text(`k8s/networkpolicy-${dnsLabel(tenant, 'egress')}.yaml`, egressPolicy(tenant, names.environment, allowed, options.dataUrl, meta)));
  files.push(text('README.md', exportReadme(tenant, version, namespace)));

  return {
    tenant,
    version,
    namespace,
    files,
    names: {
      deploymentConfig: names.deploymentConfig,
      environment: names.environment,
      dataSecret: names.dataSecret,
      appSecret: names.appSecret,
      functions: functionNames,
    },
  };
}

/**
 * The app's egress allowlist as a Kubernetes NetworkPolicy on its function pods: DNS, the data
 * endpoint, and each IP-literal entry. A NetworkPolicy cannot name hosts, so name entries are listed
 * in a comment with the FQDN-aware equivalent (e.g. Cilium's toFQDNs); without such a CNI they stay
 * closed, which errs on the safe side.
 */
function egressPolicy(tenant: string, environment: string, allowed: string[], dataUrl: string, meta: (name: string) => object): string {
  const data = new URL(dataUrl);
  const dataPort = Number(data.port || (data.protocol === 'https:' ? 443 : 80));
  const literal = allowed
    .map((entry) => /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])(?::(\d+))?$/.exec(entry))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ip: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : null }));
  const names = allowed.filter((entry) => !/^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])(:\d+)?$/.test(entry));
  const comment = names.length
    ? `# Host names on ${tenant}'s allowlist, which a NetworkPolicy cannot express: ${names.join(', ')}.\n# With Cilium, add a CiliumNetworkPolicy for the same pods with egress toFQDNs: ${names.map((n) => (n.startsWith('*.') ? `matchPattern: "${n.split(':')[0]}"` : `matchName: "${n.split(':')[0]}"`)).join(', ')}.\n`
    : '';
  const policy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { ...meta(dnsLabel(tenant, 'egress')) },
    spec: {
      // Fission labels every pod of an environment with its name.
      podSelector: { matchLabels: { environmentName: environment } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        // The data endpoint (the Tessera service), wherever it runs in the cluster.
        {
          to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tessera' } } }],
          ports: [{ protocol: 'TCP', port: dataPort }],
        },
        ...literal.map(({ ip, port }) => ({
          to: [{ ipBlock: { cidr: ip.includes(':') ? `${ip}/128` : `${ip}/32` } }],
          ports: port
            ? [{ protocol: 'TCP', port }]
            : [
                { protocol: 'TCP', port: 80 },
                { protocol: 'TCP', port: 443 },
              ],
        })),
      ],
    },
  };
  return `${comment}${yaml(policy)}`;
}

function exportReadme(tenant: string, version: string, namespace: string): string {
  return `# ${tenant} ${version} for Fission

Written by \`tessera export fission ${tenant} ${version}\`.

\`\`\`sh
kubectl apply -n ${namespace} -f k8s/      # the data endpoint Secret (URL + token) and the app's secrets
fission spec apply --specdir specs --wait   # environment, packages, functions, HTTP triggers
\`\`\`

Exporting another release into this folder adds its functions; \`specs/routes.yaml\` then points
the app's \`/api/<function>\` routes at the release exported last. Apply again to go live, and
export the previous release again (then apply) to roll back.
`;
}
