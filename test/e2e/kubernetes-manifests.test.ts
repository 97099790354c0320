import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { HANDOVER_DRAIN_MS } from '../../src/platform.ts';

/** The control plane's plain Kubernetes manifests hang together: every reference resolves. */
const dir = path.resolve(import.meta.dirname, '../../deploy/kubernetes');
const docs = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as any })));

describe('deploy/kubernetes', () => {
  it('lists every manifest in the kustomization and parses each', () => {
    const kustomization = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
    expect(new Set(kustomization.resources)).toEqual(new Set(docs.map((d) => d.file)));
    for (const { doc } of docs) expect(doc.apiVersion && doc.kind && doc.metadata?.name, JSON.stringify(doc).slice(0, 80)).toBeTruthy();
  });

  it('takes every secret value from keys the database Secret has', () => {
    const secret = docs.find((d) => d.doc.kind === 'Secret')!.doc;
    const refs = JSON.stringify(docs.map((d) => d.doc)).match(/"secretKeyRef":\{[^}]+\}/g) ?? [];
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      const { name, key } = JSON.parse(ref.slice('"secretKeyRef":'.length));
      expect(name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(key);
    }
  });

  it('puts Tessera on PostgreSQL through pgbouncer in transaction mode, with services that select their pods', () => {
    const config = docs.find((d) => d.doc.kind === 'ConfigMap' && d.doc.metadata.name === 'pgbouncer')!.doc;
    expect(config.data['pgbouncer.ini.template']).toMatch(/pool_mode = transaction/);
    const secret = docs.find((d) => d.doc.kind === 'Secret')!.doc;
    expect(secret.stringData['database-url']).toMatch(/@pgbouncer\.tessera\.svc\.cluster\.local:6432\//);
    const tessera = docs.find((d) => d.doc.kind === 'Deployment' && d.doc.metadata.name === 'tessera')!.doc;
    const env = tessera.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef.key).toBe('database-url');
    for (const service of docs.filter((d) => d.doc.kind === 'Service').map((d) => d.doc)) {
      const workload = docs.find(
        (d) =>
          ['Deployment', 'StatefulSet'].includes(d.doc.kind) &&
          Object.entries(service.spec.selector).every(([k, v]) => d.doc.spec.template.metadata.labels[k] === v),
      );
      expect(workload, service.metadata.name).toBeTruthy();
      const ports = workload!.doc.spec.template.spec.containers.flatMap((c: any) => c.ports.map((p: any) => p.name));
      for (const port of service.spec.ports) expect(ports).toContain(port.targetPort);
    }
  });

  it('runs Tessera as several replicas on one shared volume, each reachable by the others', () => {
    const tessera = docs.find((d) => d.doc.kind === 'Deployment' && d.doc.metadata.name === 'tessera')!.doc;
    expect(tessera.spec.replicas).toBeGreaterThanOrEqual(2);
    const pod = tessera.spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e]));
    expect(env.POD_IP.valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(env.TESSERA_REPLICA_URL.value).toBe(`http://$(POD_IP):${pod.containers[0].ports.find((p: any) => p.name === 'http').containerPort}`);
    expect(env.TESSERA_SECRET_KEY.valueFrom.secretKeyRef.key).toBe('secret-key');
    // Kubernetes expands $(POD_IP) only from variables defined before it.
    expect(pod.containers[0].env.findIndex((e: any) => e.name === 'POD_IP')).toBeLessThan(
      pod.containers[0].env.findIndex((e: any) => e.name === 'TESSERA_REPLICA_URL'),
    );
    const claimName = pod.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName;
    const claim = docs.find((d) => d.doc.kind === 'PersistentVolumeClaim' && d.doc.metadata.name === claimName)!.doc;
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pod.containers[0].readinessProbe.httpGet.path).toBe('/healthz');
    // Stopping: the Service stops sending here (preStop), then the tenants' work in flight gets up to
    // HANDOVER_DRAIN_MS before their leases are released; all of it within the grace period.
    const preStop = Number(pod.containers[0].lifecycle.preStop.exec.command[1]);
    expect(preStop).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + HANDOVER_DRAIN_MS / 1000);
    // What the manifests set is what the server accepts: replica mode needs DATABASE_URL and TESSERA_SECRET_KEY.
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['DATABASE_URL', 'TESSERA_SECRET_KEY', 'TESSERA_REPLICA_URL', 'TESSERA_LEASE_TTL_MS']));
    const config = resolveConfig({
      DATABASE_URL: 'postgres://x@pgbouncer:6432/tessera',
      TESSERA_SECRET_KEY: 'ab'.repeat(32),
      TESSERA_REPLICA_URL: 'http://10.0.0.7:3000',
      TESSERA_LEASE_TTL_MS: env.TESSERA_LEASE_TTL_MS.value,
    });
    expect(config.replica).toEqual({ url: 'http://10.0.0.7:3000', leaseTtlMs: 15_000 });
    expect(() => resolveConfig({ TESSERA_REPLICA_URL: 'http://10.0.0.7:3000' })).toThrow(/DATABASE_URL too[\s\S]*TESSERA_SECRET_KEY too/);
  });
});
