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
import type { TenantDb } from '../tenantdb/index.ts';
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

/** One tenant: its workspace, database and built artifacts. Writers hold the tenant lock. */
export class Tenant {
  readonly id: string;
  readonly dir: string;
  readonly workspace: Workspace;
  readonly db: TenantDb;
  state: TenantState;

  private constructor(id: string, dir: string, workspace: Workspace, db: TenantDb, state: TenantState) {
    this.id = id;
    this.dir = dir;
    this.workspace = workspace;
    this.db = db;
    this.state = state;
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
    db: TenantDb,
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
    return new Tenant(id, dir, workspace, db, state);
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
