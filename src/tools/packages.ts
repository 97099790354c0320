import { z } from 'zod';
import { buildFunction } from '../bundler/index.ts';
import { isValidPackageName, LOCKFILE, lockfileText, PACKAGE_JSON, packageJsonOf, PLATFORM_PACKAGES, type PackageSet } from '../packages/index.ts';
import type { AppFunction, Tenant } from '../tenants/index.ts';
import type { FileChange } from '../workspace/index.ts';
import type { ToolContext } from './tool.ts';

/** The optional `dependencies` argument of the two code tools. */
export const dependenciesSchema = z
  .record(z.string().refine(isValidPackageName, 'must be an npm package name, e.g. "date-fns" or "@scope/name"'), z.string().min(1).max(100))
  .optional()
  .describe(
    'Optional npm version ranges for packages the code imports, e.g. {"date-fns": "^4"}. Without it, a new package gets its newest version and a package the app already has keeps its pinned version. react and react-dom are provided by the platform.',
  );

/**
 * The app's packages after one artifact changes: every package some component or function of the
 * app imports (the others as they are, this one as it is about to be), at the ranges asked for,
 * resolved against the current lockfile and stored. Returns the new set and the package.json and
 * package-lock.json changes to commit with the artifact (none when nothing changed). Throws a
 * TesseraError naming the package when one cannot be had; nothing has changed then.
 */
export async function packagesFor(
  context: ToolContext,
  artifact: { kind: 'component' | 'function'; name: string; packages: string[] },
  dependencies: Record<string, string> | undefined,
): Promise<{ packages: PackageSet | null; changes: FileChange[] }> {
  const { tenant } = context;
  const used = new Set(artifact.packages);
  for (const c of tenant.state.components.values())
    if (artifact.kind !== 'component' || c.name !== artifact.name) for (const p of c.packages ?? []) used.add(p);
  for (const f of tenant.state.functions.values()) if (artifact.kind !== 'function' || f.name !== artifact.name) for (const p of f.packages ?? []) used.add(p);
  const asked = Object.fromEntries(Object.entries(dependencies ?? {}).filter(([name]) => !PLATFORM_PACKAGES.includes(name)));
  for (const name of Object.keys(asked)) used.add(name);
  const current = tenant.state.packages;
  if (used.size === 0 && !current) return { packages: null, changes: [] };
  // A package the app already pins keeps its version ("latest" means "what you have" to the resolver).
  const requests = Object.fromEntries([...used].sort().map((name) => [name, asked[name] ?? 'latest']));
  const packages = await context.packages.resolve(tenant.id, requests, current?.lockfile ?? null);
  const changes: FileChange[] = [];
  const packageJson = packageJsonOf(packages);
  const lockfile = lockfileText(packages);
  if (packageJson !== (await tenant.workspace.read(PACKAGE_JSON))) changes.push({ path: PACKAGE_JSON, content: packageJson });
  if (lockfile !== (await tenant.workspace.read(LOCKFILE))) changes.push({ path: LOCKFILE, content: lockfile });
  return { packages, changes };
}

/** What the tool result says about packages: the exact versions the app now pins. */
export function pinnedVersions(packages: PackageSet | null, names: string[]): Record<string, string> {
  if (!packages) return {};
  return Object.fromEntries(names.filter((n) => packages.root[n]).map((n) => [n, packages.packages.get(packages.root[n]!)!.version]));
}

/**
 * The app's functions rebuilt against a new lockfile (except `skip`, which the caller builds):
 * functions carry their packages inside their bundle. One that no longer builds fails the tool
 * call before anything is committed.
 */
export async function rebuildFunctions(tenant: Tenant, packages: PackageSet | null, skip?: string): Promise<Map<string, AppFunction>> {
  const out = new Map(tenant.state.functions);
  for (const fn of tenant.state.functions.values()) {
    if (fn.name === skip || !fn.packages?.length) continue;
    const source = await tenant.workspace.read(fn.sourceFile);
    if (source !== null) out.set(fn.name, { ...(await buildFunction({ name: fn.name, code: source }, packages, { tenant: tenant.id })), access: fn.access });
  }
  return out;
}
