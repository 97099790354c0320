import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { emptyBlueprint, parseBlueprint, type Blueprint } from '../blueprint/index.ts';
import {
  buildComponent,
  buildFunction,
  buildPackageAssets,
  NO_PACKAGE_ASSETS,
  type BuiltComponent,
  type BuiltFunction,
  type PackageAssets,
} from '../bundler/index.ts';
import type { Logger } from '../log.ts';
import { LOCKFILE, parseLockfile, type PackageManager, type PackageSet } from '../packages/index.ts';
import { TesseraError } from '../errors.ts';
import type { TenantDb, TenantDbPool } from '../tenantdb/index.ts';
import { openWorkspace, type FileChange, type Workspace, type WorkspaceOptions } from '../workspace/index.ts';

export const BLUEPRINT_FILE = 'blueprint.json';
export const MIGRATIONS_DIR = 'migrations';
export const FUNCTIONS_DIR = 'functions';
export const FRONTEND_DIR = 'frontend';

/** Who may call a function: anyone, a signed-in user of the app, or one of the app's admins. */
export const FUNCTION_ACCESS = ['public', 'user', 'admin'] as const;
export type FunctionAccess = (typeof FUNCTION_ACCESS)[number];

/** A function of the app: as the bundler built it, with the access its manifest declares. */
export type AppFunction = BuiltFunction & { access: FunctionAccess };

/**
 * A function's manifest, `functions/<name>.json` beside its source: `{"access":"user"}`. Written only
 * for a function that is not public, so a repository without one (every app before access existed)
 * serves its functions as public.
 */
export const functionManifestPath = (name: string): string => `${FUNCTIONS_DIR}/${name}.json`;
const manifestSchema = z.object({ access: z.enum(FUNCTION_ACCESS) });

/** The manifest's text for `access`, or null (no file) for a public function. */
export function functionManifestText(access: FunctionAccess): string | null {
  return access === 'public' ? null : `${JSON.stringify({ access }, null, 2)}\n`;
}

/**
 * The access a manifest declares; public without one. A manifest that does not parse closes the
 * function to all but the app's admins (it only ever says who may call more narrowly than public).
 */
export function accessOfManifest(text: string | null): FunctionAccess {
  if (text === null) return 'public';
  try {
    return manifestSchema.parse(JSON.parse(text)).access;
  } catch {
    return 'admin';
  }
}

/** The migration files of a commit (default: the newest), oldest first. */
export async function migrationsOf(workspace: Workspace, commit?: string): Promise<Array<{ version: number; sql: string }>> {
  const files = commit ? [...(await workspace.filesAt(commit)).keys()] : await workspace.list(MIGRATIONS_DIR);
  const migrations: Array<{ version: number; sql: string }> = [];
  for (const file of files) {
    const version = migrationVersionOf(file);
    if (version === null) continue;
    const sql = commit ? await workspace.readAt(commit, file) : await workspace.read(file);
    if (sql !== null) migrations.push({ version, sql });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/** A migration file: `migrations/0003_create_table_notes.sql` is version 3. */
export function migrationVersionOf(file: string): number | null {
  const match = /^migrations\/(\d{4,})_[a-z0-9_]*\.sql$/.exec(file);
  return match ? Number(match[1]) : null;
}

/**
 * What a tenant's app is made of right now, derived from its repository's newest commit. The repo
 * is the truth; this is rebuilt from it on load (esbuild is fast enough), so a crash loses nothing.
 */
export interface TenantState {
  components: Map<string, BuiltComponent>;
  functions: Map<string, AppFunction>;
  blueprint: Blueprint;
  migrationVersion: number;
  head: string;
  /** The app's npm packages (its package-lock.json, every package in the store), or null without any. */
  packages: PackageSet | null;
  /** Those packages as the browser gets them: one vendor module per imported specifier, for the import map. */
  packageAssets: PackageAssets;
}

/** Where a refresh of the draft's data puts the live copy before it takes the draft's place (in the live database's folder). */
const DRAFT_COPY = 'draft-copy.sqlite';
/** The draft as it was before a refresh, kept until the refresh has succeeded (in the draft's folder). */
const DRAFT_BEFORE_REFRESH = 'before-refresh.sqlite';

/**
 * One tenant: its workspace, its two databases and built artifacts. Writers hold the tenant lock.
 * The draft database is what the agent's schema changes, its sample calls and `draft.<app>` use;
 * the live database is what the released app uses, changed in schema only by deploys.
 */
export class Tenant {
  readonly id: string;
  readonly dir: string;
  readonly workspace: Workspace;
  readonly draftDb: TenantDb;
  readonly liveDb: TenantDb;
  state: TenantState;

  private constructor(
    id: string,
    dir: string,
    workspace: Workspace,
    private readonly dbPool: TenantDbPool,
    state: TenantState,
  ) {
    this.id = id;
    this.dir = dir;
    this.workspace = workspace;
    this.draftDb = dbPool.get(id, 'draft');
    this.liveDb = dbPool.get(id, 'live');
    this.state = state;
  }

  /** The database of `kind`. */
  db(kind: 'live' | 'draft'): TenantDb {
    return kind === 'live' ? this.liveDb : this.draftDb;
  }

  /** The migration files of the repository's newest commit, oldest first. */
  async migrations(): Promise<Array<{ version: number; sql: string }>> {
    return migrationsOf(this.workspace);
  }

  /**
   * Replaces the draft's data with a copy of the live data, then replays the repository's
   * migrations that live has not had yet, so the draft keeps its newer schema. If one of them fails
   * on the live data, the draft is put back as it was and the error says which. Caller holds the lock.
   */
  async refreshDraftFromLive(): Promise<{ version: number; replayed: number }> {
    const draft = this.dbPool.location(this.id, 'draft');
    const live = this.dbPool.location(this.id, 'live');
    await this.liveDb.copyTo(DRAFT_COPY);
    await this.draftDb.copyTo(DRAFT_BEFORE_REFRESH);
    await this.dbPool.replace(this.id, 'draft', path.join(live.dir, DRAFT_COPY));
    let replayed: number;
    try {
      replayed = await this.draftDb.catchUp(await this.migrations());
    } catch (err) {
      await this.dbPool.replace(this.id, 'draft', path.join(draft.dir, DRAFT_BEFORE_REFRESH));
      const message = err instanceof Error ? err.message : String(err);
      throw new TesseraError('SQL_ERROR', `The draft's migrations do not apply to the live data, so the draft was left as it was: ${message}`, {
        ...(err instanceof TesseraError && err.details ? { details: err.details } : {}),
        cause: err,
      });
    }
    await rm(path.join(draft.dir, DRAFT_BEFORE_REFRESH), { force: true });
    const version = await this.draftDb.currentVersion();
    this.state.migrationVersion = version;
    return { version, replayed };
  }

  /** Files a new tenant's first commit holds. */
  static initialFiles(id: string): FileChange[] {
    return [
      { path: BLUEPRINT_FILE, content: `${JSON.stringify(emptyBlueprint(id), null, 2)}\n` },
      { path: 'README.md', content: `# ${id}\n\nA Tessera app. Served at http://${id}.localhost/ by the platform.\n` },
    ];
  }

  /** Loads a tenant from disk, rebuilding every artifact and replaying migrations the db missed. */
  static async load(
    id: string,
    dir: string,
    dbPool: TenantDbPool,
    logger: Logger,
    packageManager: PackageManager,
    workspaceOptions: WorkspaceOptions = {},
  ): Promise<Tenant> {
    const workspace = openWorkspace(path.join(dir, 'repo'), workspaceOptions);
    // What a crash left between writing a file and committing it must not be loaded as the app.
    const recovered = await workspace.recover();
    if (recovered.length > 0) logger.warn({ tenant: id, files: recovered }, 'put files a crash left uncommitted back as the last commit has them');
    const files = await workspace.list('');
    let packages: PackageSet | null = null;
    const lockfile = parseLockfile(await workspace.read(LOCKFILE));
    if (lockfile) {
      try {
        // Fetches (and verifies) whatever the store lacks, e.g. on a new machine.
        packages = await packageManager.install(lockfile);
      } catch (err) {
        logger.error({ tenant: id, err }, 'packages of the lockfile could not be installed on load');
      }
    }
    const components = new Map<string, BuiltComponent>();
    const functions = new Map<string, AppFunction>();
    const migrations: Array<{ version: number; sql: string }> = [];
    await Promise.all(
      files.map(async (file) => {
        const source = await workspace.read(file);
        if (source === null) return;
        const component = /^frontend\/([A-Z][A-Za-z0-9]*)\.tsx$/.exec(file);
        const fn = /^functions\/([a-z][a-z0-9-]*)\.(js|ts)$/.exec(file);
        const version = migrationVersionOf(file);
        try {
          if (component) components.set(component[1]!, await buildComponent({ name: component[1]!, code: source }, { tenant: id }));
          else if (fn) {
            const built = await buildFunction({ name: fn[1]!, code: source }, packages, { tenant: id });
            functions.set(fn[1]!, { ...built, access: accessOfManifest(await workspace.read(functionManifestPath(fn[1]!))) });
          } else if (version !== null) migrations.push({ version, sql: source });
        } catch (err) {
          // A file that no longer builds (e.g. after a platform upgrade) must not take the tenant down.
          logger.error({ tenant: id, file, err }, 'artifact failed to build on load');
        }
      }),
    );
    migrations.sort((a, b) => a.version - b.version);
    // An app from before drafts had their own database: its draft starts as a copy of live data.
    if (!dbPool.exists(id, 'draft') && dbPool.exists(id, 'live')) {
      await dbPool.get(id, 'live').copyTo(DRAFT_COPY);
      await dbPool.replace(id, 'draft', path.join(dbPool.location(id, 'live').dir, DRAFT_COPY));
      logger.info({ tenant: id }, "the draft's database starts as a copy of the live one");
    }
    const db = dbPool.get(id, 'draft');
    const replayed = await db.catchUp(migrations);
    if (replayed > 0) logger.warn({ tenant: id, replayed }, 'replayed migrations the database had missed');
    const blueprintText = await workspace.read(BLUEPRINT_FILE);
    const blueprint = blueprintText ? parseBlueprint(JSON.parse(blueprintText)) : emptyBlueprint(id);
    let packageAssets = NO_PACKAGE_ASSETS;
    try {
      packageAssets = await buildPackageAssets(components.values(), packages, { tenant: id });
    } catch (err) {
      logger.error({ tenant: id, err }, 'npm packages failed to build on load');
    }
    const state: TenantState = {
      components,
      functions,
      blueprint,
      migrationVersion: await db.currentVersion(),
      head: await workspace.head(),
      packages,
      packageAssets,
    };
    return new Tenant(id, dir, workspace, dbPool, state);
  }

  summary(): TenantSummary {
    return {
      id: this.id,
      head: this.state.head,
      components: [...this.state.components.values()].map((c) => ({ name: c.name, hash: c.hash, bytes: c.bytes, bundle: `/_tessera/mfe/${c.fileName}` })),
      functions: [...this.state.functions.values()].map((f) => ({ name: f.name, hash: f.hash, file: f.sourceFile, url: `/api/${f.name}` })),
      routes: this.state.blueprint.routes.map((r) => r.path),
      migrationVersion: this.state.migrationVersion,
    };
  }
}

export interface TenantSummary {
  id: string;
  head: string;
  components: Array<{ name: string; hash: string; bytes: number; bundle: string }>;
  functions: Array<{ name: string; hash: string; file: string; url: string }>;
  routes: string[];
  migrationVersion: number;
}
