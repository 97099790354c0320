import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments, parse } from 'yaml';
import { locateFissionPeers } from '../../scripts/fission-peers.mjs';

/** Fission's CRD schemas, unchanged, at the pinned commit (scripts/fission-peers.mjs says where from). */
export const FISSION_CRDS = locateFissionPeers().crds;

type Schema = Record<string, unknown>;

/**
 * The API server prunes fields a structural schema does not name, silently: a misspelt field
 * would vanish. So every object schema that lists its properties is closed here (unknown fields
 * are errors), except where the CRD itself says `x-kubernetes-preserve-unknown-fields`.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, closeObjects(v)])) : closeObjects(value);
  }
  const s = schema as Schema;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  // metadata is `type: object` with no properties in a CRD: the API server checks it as ObjectMeta.
  return out;
}

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const objectMeta = {
  type: 'object',
  required: ['name', 'namespace'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 63, pattern: DNS_LABEL },
    namespace: { type: 'string', maxLength: 63, pattern: DNS_LABEL },
    labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63, pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** Fission's spec-only kinds (pkg/fission-cli/cmd/spec/types): `fission spec apply` reads them, the API server never sees them. */
const specOnlyKinds: Record<string, Schema> = {
  DeploymentConfig: {
    type: 'object',
    required: ['kind', 'name', 'uid'],
    additionalProperties: false,
    properties: {
      apiVersion: { const: 'fission.io/v1' },
      kind: { const: 'DeploymentConfig' },
      name: { type: 'string', minLength: 1 },
      uid: { type: 'string', format: 'uuid' },
    },
  },
  ArchiveUploadSpec: {
    type: 'object',
    required: ['kind', 'name', 'include'],
    additionalProperties: false,
    properties: {
      apiVersion: { type: 'string' },
      kind: { const: 'ArchiveUploadSpec' },
      name: { type: 'string', minLength: 1 },
      rootdir: { type: 'string' },
      include: { type: 'array', minItems: 1, items: { type: 'string' } },
      exclude: { type: 'array', items: { type: 'string' } },
    },
  },
};

const secretSchema: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'type'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'v1' },
    kind: { const: 'Secret' },
    metadata: objectMeta,
    type: { const: 'Opaque' },
    stringData: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const labelSelector = {
  type: 'object',
  additionalProperties: false,
  properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
};
const networkPeer = {
  type: 'object',
  additionalProperties: false,
  properties: {
    namespaceSelector: labelSelector,
    podSelector: labelSelector,
    ipBlock: {
      type: 'object',
      required: ['cidr'],
      additionalProperties: false,
      properties: { cidr: { type: 'string', pattern: '^[0-9a-f:.]+/\\d{1,3}$' }, except: { type: 'array', items: { type: 'string' } } },
    },
  },
};
/** networking.k8s.io/v1 NetworkPolicy, the fields Tessera writes (closed, as the API server's schema is). */
const networkPolicySchema: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'networking.k8s.io/v1' },
    kind: { const: 'NetworkPolicy' },
    metadata: objectMeta,
    spec: {
      type: 'object',
      required: ['podSelector'],
      additionalProperties: false,
      properties: {
        podSelector: labelSelector,
        policyTypes: { type: 'array', items: { enum: ['Ingress', 'Egress'] } },
        egress: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              to: { type: 'array', items: networkPeer },
              ports: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['port'],
                  additionalProperties: false,
                  properties: { protocol: { enum: ['TCP', 'UDP', 'SCTP'] }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
                },
              },
            },
          },
        },
      },
    },
  },
};

export interface SpecValidator {
  /** Errors of one parsed document, [] when valid. */
  validate(doc: Record<string, unknown>): string[];
  kinds: string[];
}

/** Every Fission CRD into a JSON Schema validator (fails, saying where the files belong, when absent). */
let loaded: SpecValidator | undefined;
export function loadFissionValidator(): SpecValidator {
  loaded ??= compileValidator();
  return loaded;
}

function compileValidator(): SpecValidator {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  for (const format of ['int32', 'int64', 'date-time', 'byte', 'int-or-string', 'double']) ajv.addFormat(format, true);
  const validators = new Map<string, ValidateFunction>();
  for (const file of readdirSync(FISSION_CRDS).filter((f) => f.startsWith('fission.io_') && f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(path.join(FISSION_CRDS, file), 'utf8')) as {
      spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
    };
    for (const version of crd.spec.versions) {
      const schema = closeObjects(version.schema.openAPIV3Schema) as Schema;
      (schema.properties as Schema).metadata = objectMeta;
      (schema.properties as Schema).apiVersion = { const: `${crd.spec.group}/${version.name}` };
      (schema.properties as Schema).kind = { const: crd.spec.names.kind };
      schema.required = [...new Set([...((schema.required as string[]) ?? []), 'apiVersion', 'kind'])];
      validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
    }
  }
  for (const [kind, schema] of Object.entries(specOnlyKinds)) validators.set(kind, ajv.compile(schema));
  validators.set('v1/Secret', ajv.compile(secretSchema));
  validators.set('networking.k8s.io/v1/NetworkPolicy', ajv.compile(networkPolicySchema));
  return {
    kinds: [...validators.keys()],
    validate(doc) {
      const key = doc.kind === 'DeploymentConfig' || doc.kind === 'ArchiveUploadSpec' ? String(doc.kind) : `${doc.apiVersion}/${doc.kind}`;
      const validator = validators.get(key);
      if (!validator) return [`no schema for ${key}`];
      const label = (doc.metadata as { name?: string } | undefined)?.name ?? String(doc.name);
      if (validator(doc)) return [];
      return (validator.errors ?? []).map(
        (e) =>
          `${key} ${label}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
    },
  };
}

/** Every YAML document of every file in `dir` (recursively), with the file it came from. */
export function readSpecDocuments(dir: string): Array<{ file: string; doc: Record<string, unknown> }> {
  const out: Array<{ file: string; doc: Record<string, unknown> }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.yaml')) continue;
    const file = path.join(entry.parentPath, entry.name);
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (document.errors.length) throw new Error(`${file}: ${document.errors[0]!.message}`);
      const doc = document.toJS() as Record<string, unknown> | null;
      if (doc) out.push({ file, doc });
    }
  }
  return out;
}
