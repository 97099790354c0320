import { createTwoFilesPatch } from 'diff';
import { validateBlueprint } from '../blueprint/index.ts';
import { buildComponent, buildFunction, type BuiltComponent, type BuiltFunction } from '../bundler/index.ts';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { BuildStore } from '../registry/index.ts';
import type { FunctionRuntime } from '../runtime/index.ts';
import { accessOfManifest, BLUEPRINT_FILE, migrationVersionOf, type TenantManager } from '../tenants/index.ts';

export interface CommitDetail {
  id: string;
  message: string;
  parent: string | null;
  timestamp: number;
  files: Array<{ path: string; change: 'added' | 'modified' | 'deleted' }>;
  /** Unified diff of the commit against its parent. */
  patch: string;
}

function checkCommitId(sha: string): string {
  if (!/^[0-9a-f]{4,40}$/.test(sha)) throw new TesseraError('INVALID_ARGUMENTS', `"${sha}" is not a commit id (4 to 40 hex digits).`);
  return sha;
}

async function changesOf(workspace: { filesAt(c: string): Promise<Map<string, string>> }, commit: string, parent: string | null) {
  const after = await workspace.filesAt(commit);
  const before = parent ? await workspace.filesAt(parent) : new Map<string, string>();
  const paths = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
  return paths.map((p) => ({ path: p, change: (!before.has(p) ? 'added' : !after.has(p) ? 'deleted' : 'modified') as 'added' | 'modified' | 'deleted' }));
}

/** What one commit of a tenant changed, with its diff. */
export async function commitDetail(tenants: TenantManager, tenantId: string, sha: string): Promise<CommitDetail> {
  const tenant = await tenants.get(tenantId);
  const info = await tenant.workspace.commitInfo(checkCommitId(sha));
  const files = await changesOf(tenant.workspace, info.id, info.parent);
  const patches: string[] = [];
  for (const file of files) {
    const before = info.parent ? ((await tenant.workspace.readAt(info.parent, file.path)) ?? '') : '';
    const after = (await tenant.workspace.readAt(info.id, file.path)) ?? '';
    patches.push(
      createTwoFilesPatch(file.change === 'added' ? '/dev/null' : `a/${file.path}`, file.change === 'deleted' ? '/dev/null' : `b/${file.path}`, before, after),
    );
  }
  return { id: info.id, message: info.message, parent: info.parent, timestamp: info.timestamp, files, patch: patches.join('\n') };
}

/**
 * Takes back what one commit changed, as a new commit: each file it touched goes back to its
 * parent's version (files it added are removed), validated as the tools validate them: components
 * and functions compile (functions also load in the app's sandbox), the blueprint names only what
 * exists afterwards. A commit that changed the database schema cannot be taken back (migrations
 * only move forward): REVERT_REFUSED, as is a revert that would break what came after it.
 */
export async function revertCommit(
  deps: { tenants: TenantManager; runtime: FunctionRuntime; registry: BuildStore; logger: Logger },
  tenantId: string,
  sha: string,
): Promise<{ commit: string; reverted: string; files: CommitDetail['files'] }> {
  checkCommitId(sha);
  return deps.tenants.withLock(tenantId, async (tenant) => {
    const info = await tenant.workspace.commitInfo(sha);
    if (!info.parent) throw new TesseraError('REVERT_REFUSED', 'The first commit of an app cannot be reverted: it is where the app starts.');
    const files = await changesOf(tenant.workspace, info.id, info.parent);
    const migration = files.find((f) => migrationVersionOf(f.path) !== null);
    if (migration) {
      throw new TesseraError(
        'REVERT_REFUSED',
        `Commit ${info.id.slice(0, 10)} changed the database schema (${migration.path}); migrations only move forward, so it cannot be reverted. Write a new migration that undoes it instead.`,
      );
    }
    const components = new Map(tenant.state.components);
    const functions = new Map(tenant.state.functions);
    const builtComponents: BuiltComponent[] = [];
    const builtFunctions: BuiltFunction[] = [];
    let blueprint = tenant.state.blueprint;
    /** Function manifests (their access) as the revert leaves them, by function name. */
    const manifests = new Map<string, string | null>();
    const changes: Array<{ path: string; content: string | null }> = [];
    for (const file of files) {
      const content = await tenant.workspace.readAt(info.parent, file.path);
      changes.push({ path: file.path, content });
      const component = /^frontend\/([A-Z][A-Za-z0-9]*)\.tsx$/.exec(file.path);
      const fn = /^functions\/([a-z][a-z0-9-]*)\.(js|ts)$/.exec(file.path);
      const manifest = /^functions\/([a-z][a-z0-9-]*)\.json$/.exec(file.path);
      if (manifest) manifests.set(manifest[1]!, content);
      else if (component) {
        if (content === null) components.delete(component[1]!);
        else {
          const built = await buildComponent({ name: component[1]!, code: content }, { tenant: tenant.id });
          components.set(built.name, built);
          builtComponents.push(built);
        }
      } else if (fn) {
        if (content === null) functions.delete(fn[1]!);
        else {
          const built = await buildFunction({ name: fn[1]!, code: content }, null, { tenant: tenant.id });
          await deps.runtime.check(tenant.id, { name: built.name, code: built.code, hash: built.hash });
          functions.set(built.name, { ...built, access: tenant.state.functions.get(built.name)?.access ?? 'public' });
          builtFunctions.push(built);
        }
      } else if (file.path === BLUEPRINT_FILE) {
        if (content === null) throw new TesseraError('REVERT_REFUSED', 'Reverting this commit would remove the blueprint.');
        blueprint = JSON.parse(content);
      }
    }
    for (const [name, text] of manifests) {
      const fn = functions.get(name);
      if (fn) functions.set(name, { ...fn, access: accessOfManifest(text) });
    }
    try {
      blueprint = validateBlueprint(blueprint, { components: components.keys(), functions: functions.keys() });
    } catch (err) {
      const reason = err instanceof TesseraError ? err.message : String(err);
      throw new TesseraError('REVERT_REFUSED', `Reverting commit ${info.id.slice(0, 10)} would leave a broken app: ${reason}`);
    }
    const commit = await tenant.workspace.commit(changes, `Revert "${info.message.split('\n')[0]}" (${info.id.slice(0, 10)})`);
    tenant.state = { ...tenant.state, components, functions, blueprint, head: commit };
    for (const built of builtComponents)
      await deps.registry.recordArtifact(tenant.id, 'component', { name: built.name, commit, digest: built.hash, location: built.fileName, size: built.bytes });
    for (const built of builtFunctions)
      await deps.registry.recordArtifact(tenant.id, 'function', {
        name: built.name,
        commit,
        digest: built.hash,
        location: built.sourceFile,
        size: Buffer.byteLength(built.code),
      });
    deps.logger.info({ tenant: tenant.id, reverted: info.id, commit }, 'commit reverted');
    return { commit, reverted: info.id, files };
  });
}
