import { execFile } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { APP, type CrashLedger } from './activities.ts';
import type { CrashServer } from './server.ts';

const run = promisify(execFile);
const SQLITE_MAGIC = 'SQLite format 3\0';

/** Every file under `dir` that is an SQLite database (by its header), `repo/` left out. */
export function sqliteFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'repo') found.push(...sqliteFiles(full));
    } else if (entry.isFile() && statSync(full).size >= 100) {
      const header = Buffer.alloc(16);
      const fd = openSync(full, 'r');
      try {
        readSync(fd, header, 0, 16, 0);
      } finally {
        closeSync(fd);
      }
      if (header.toString('latin1') === SQLITE_MAGIC) found.push(full);
    }
  }
  return found;
}

/** The tables migration files create, in order: migration k's `CREATE TABLE` names. */
function tablesCreatedBy(sql: string): string[] {
  return [...sql.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?["`[]?(\w+)/gi)].map((m) => m[1]!);
}

async function checkRepo(repo: string, problems: string[]): Promise<void> {
  const fsck = await run('git', ['-C', repo, 'fsck', '--full', '--no-dangling'], { encoding: 'utf8' }).catch(
    (err: { stdout?: string; stderr?: string; message: string }) => ({ stdout: err.stdout ?? '', stderr: `${err.stderr ?? ''}${err.message}`, failed: true }),
  );
  if ('failed' in fsck || /error|missing|broken|corrupt/i.test(fsck.stderr + fsck.stdout))
    problems.push(`git fsck ${repo}: ${fsck.stdout}${fsck.stderr}`.slice(0, 800));
  // The platform reads the working tree (load, files): it must hold what HEAD holds. No optional
  // locks: this check must not write the index the server owns.
  const status = await run('git', ['--no-optional-locks', '-C', repo, 'status', '--porcelain'], { encoding: 'utf8' }).catch((err: Error) => ({
    stdout: `git status failed: ${err.message}`,
  }));
  if (status.stdout.trim()) problems.push(`${repo}: the working tree differs from HEAD:\n${status.stdout.slice(0, 500)}`);
}

/**
 * What must hold after every restart, whatever moment the kill came at. Returns the problems found
 * (empty: all well). `dataDir` is read directly (git, SQLite read-only); the registry through the API.
 */
export async function checkAfterRestart(server: CrashServer, ledger: CrashLedger): Promise<string[]> {
  const problems: string[] = [];
  const tenantsDir = path.join(server.settings.dataDir, 'tenants');
  const { tenants } = await server.api('GET', '/api/tenants');
  for (const { id } of tenants as Array<{ id: string }>) {
    const dir = path.join(tenantsDir, id);
    const repo = path.join(dir, 'repo');
    // The platform opens an app on its first request (and then recovers it): ask before looking.
    const { files } = await server.api('GET', `/api/tenants/${id}/files`);
    await checkRepo(repo, problems);

    // The registry agrees with git: every release's commit is in the repository; live names a release.
    const { releases } = await server.api('GET', `/api/tenants/${id}/releases`);
    for (const release of releases as Array<{ version: string; commit: string }>) {
      await run('git', ['-C', repo, 'cat-file', '-e', `${release.commit}^{commit}`]).catch(() =>
        problems.push(`${id}: release ${release.version} names commit ${release.commit}, which the repository lacks`),
      );
    }
    const { live, deployments } = await server.api('GET', `/api/tenants/${id}/deployments`);
    // The newest and the live release name the sources (blob ids) their commit has.
    for (const version of new Set([releases.at(-1)?.version, live].filter(Boolean))) {
      const snapshot = await server.api('GET', `/api/tenants/${id}/releases/${version}`);
      const tree = await run('git', ['-C', repo, 'ls-tree', '-r', snapshot.commit], { encoding: 'utf8' }).catch(() => ({ stdout: '' }));
      const blobs = new Map(
        tree.stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.split('\t')[1], line.split(/\s+/)[2]]),
      );
      for (const part of [...Object.values(snapshot.components ?? {}), ...Object.values(snapshot.functions ?? {})] as Array<{ file: string; source: string }>) {
        if (blobs.get(part.file) !== part.source)
          problems.push(`${id}: release ${version} names ${part.file} as ${part.source}, its commit ${snapshot.commit} has ${blobs.get(part.file)}`);
      }
    }
    if (live !== null && !releases.some((r: { version: string }) => r.version === live)) problems.push(`${id}: live is ${live}, which is no release`);
    // The deployment history is one chain ending at live: no deploy half-recorded.
    (deployments as Array<{ version: string; previousVersion: string | null }>).forEach((d, i, all) => {
      if (d.previousVersion !== (i === 0 ? null : all[i - 1]!.version))
        problems.push(`${id}: deployment ${i} (${d.version}) follows ${d.previousVersion}, not ${all[i - 1]?.version ?? 'nothing'}`);
    });
    if ((deployments.at(-1)?.version ?? null) !== live) problems.push(`${id}: live is ${live} but the newest deployment is ${deployments.at(-1)?.version}`);
    const history = new Set((await run('git', ['-C', repo, 'rev-list', 'HEAD'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n'));
    for (const { commit } of ledger.commits.filter((c) => c.app === id)) {
      if (!history.has(commit)) problems.push(`${id}: commit ${commit} of an acknowledged tool call is not in the history any more`);
    }
    if (id === APP) {
      const listed = new Set((releases as Array<{ version: string }>).map((r) => r.version));
      const lost = ledger.releases.filter((version) => !listed.has(version));
      if (lost.length) problems.push(`${id}: acknowledged release(s) ${lost.join(', ')} are gone`);
      const { acked, inFlight } = ledger.deploy;
      if (live !== acked && live !== inFlight)
        problems.push(`${id}: live is ${live}, but the last acknowledged deploy was ${acked}${inFlight ? ` (${inFlight} was in flight)` : ''}`);
      ledger.deploy = { acked: live, inFlight: null };
    }

    // No half-applied migration: each database at user_version k has exactly the tables of migrations 1..k.
    const migrationFiles = (files as string[]).filter((file) => /^migrations\/\d+_.*\.sql$/.test(file)).sort();
    const created: string[][] = [];
    for (const file of migrationFiles)
      created.push(tablesCreatedBy((await server.api('GET', `/api/tenants/${id}/files?path=${encodeURIComponent(file)}`)).content));
    const { version } = await server.api('GET', `/api/tenants/${id}/database`);
    if (version !== migrationFiles.length) problems.push(`${id}: the database is at migration ${version} but the repository holds ${migrationFiles.length}`);
    for (const file of sqliteFiles(dir)) {
      let db: Database.Database;
      try {
        db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
      } catch (err) {
        problems.push(`${file}: cannot be opened read-only: ${(err as Error).message}`);
        continue;
      }
      try {
        const integrity = db.pragma('integrity_check', { simple: true });
        if (integrity !== 'ok') problems.push(`${file}: integrity_check says ${String(integrity)}`);
        const userVersion = Number(db.pragma('user_version', { simple: true }));
        const tables = (
          db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as Array<{ name: string }>
        )
          .map((t) => t.name)
          .sort();
        const expected = created.slice(0, userVersion).flat().sort();
        if (userVersion > migrationFiles.length) problems.push(`${file}: user_version ${userVersion} but only ${migrationFiles.length} migrations`);
        else if (JSON.stringify(tables) !== JSON.stringify(expected))
          problems.push(`${file}: at user_version ${userVersion} it should hold [${expected.join(', ')}], it holds [${tables.join(', ')}]`);
      } catch (err) {
        problems.push(`${file}: ${(err as Error).message}`);
      } finally {
        db.close();
      }
    }
  }

  // Acknowledged writes survive, read back through the live app (which also proves a function call works).
  const listed = await server.live(APP, '/api/list');
  if (listed.status !== 200) problems.push(`live /api/list answered ${listed.status}: ${listed.text.slice(0, 300)}`);
  else {
    const present = new Set(listed.json() as string[]);
    const lost = [...ledger.acked].filter((id) => !present.has(id));
    if (lost.length) problems.push(`${lost.length} acknowledged live write(s) lost: ${lost.slice(0, 10).join(', ')}`);
  }
  // The app answers: its live page, a write, and a tool call.
  const page = await server.live(APP, '/');
  if (page.status !== 200) problems.push(`live page answered ${page.status}`);
  const probe = await server.live(APP, '/api/write', { method: 'POST', body: { id: `probe-${Date.now()}-${Math.random()}` } });
  if (probe.status !== 201) problems.push(`a live write after the restart answered ${probe.status}: ${probe.text.slice(0, 300)}`);
  else ledger.acked.add(probe.json().id);
  try {
    const echo = await server.api('POST', `/api/tenants/${APP}/tools/invokeFunction`, { name: 'list' });
    if (echo.result.status !== 200) problems.push(`invokeFunction list answered ${echo.result.status}`);
  } catch (err) {
    problems.push(`a tool call after the restart failed: ${(err as Error).message}`);
  }
  try {
    const agent = await server.api('GET', `/api/tenants/${APP}/agent`);
    if (agent.running) problems.push('the agent is marked running right after a restart');
  } catch (err) {
    problems.push(`the agent's conversation cannot be read after the restart: ${(err as Error).message}`);
  }
  return problems;
}
