/**
 * The source tree's shape, checked (docs/architecture.md, "Layout rules"): no import cycle among the
 * modules of src/, web/ and wire/ nor among src/'s folders, a folder of src/ imported by the others
 * only through its index.ts, and no source file over 500 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/project-root.ts';

const MAX_LINES = 500;

/**
 * Entries of child processes and Fission bundles: each imports the one module of another folder it
 * needs by its path, so that its bundle carries no more (the registry's queries without PGlite and
 * migrations; the package store and the frame reader without the rest of their folders).
 */
const BUNDLE_ENTRIES = new Set(['src/bundler/sandbox/worker.ts', 'src/fission/read-path-entry.ts']);

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(PROJECT_ROOT, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || entry.name.endsWith('.d.ts')) continue;
    const file = path.relative(PROJECT_ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (!file.includes('node_modules/')) files.push(file);
  }
  return files.sort();
}

/** A file's top-level folder under src/ (`src/auth/oidc.ts` -> `auth`); a file at src/'s top is its own. */
const folderOf = (file: string): string => file.split('/').slice(1, -1)[0] ?? file;

const isTest = (file: string): boolean => /\.test\.tsx?$/.test(file);

/** Every module a file names (static imports and exports, type-only ones included, and dynamic imports of a literal). */
function specifiers(file: string): string[] {
  const code = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
  const { module } = parseSync(file, code, { lang: file.endsWith('x') ? 'tsx' : 'ts', sourceType: 'module' });
  const named = [
    ...module.staticImports.map((i) => i.moduleRequest.value),
    ...module.staticExports.flatMap((e) => e.entries.flatMap((x) => (x.moduleRequest ? [x.moduleRequest.value] : []))),
  ];
  for (const dynamic of module.dynamicImports) {
    const literal = /^['"]([^'"]+)['"]$/.exec(code.slice(dynamic.moduleRequest.start, dynamic.moduleRequest.end));
    if (literal) named.push(literal[1]!);
  }
  return named;
}

/** The project files a file imports (relative specifiers resolved; packages left out). */
function localImports(file: string, known: Set<string>): string[] {
  const found = new Set<string>();
  for (const specifier of specifiers(file)) {
    if (!specifier.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    for (const candidate of [target, `${target}.ts`, `${target}.tsx`, `${target}/index.ts`, `${target}/index.tsx`]) {
      if (known.has(candidate)) {
        found.add(candidate);
        break;
      }
    }
  }
  return [...found];
}

/** Each cycle once, as the list of files around it (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.includes(node)) components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

describe('source layout', () => {
  const src = sourceFiles('src');
  const web = sourceFiles('web');
  const wire = sourceFiles('wire');

  it('has no import cycle among the modules of src/, web/ and wire/', () => {
    const all = [...src, ...web, ...wire];
    const known = new Set(all);
    const graph = new Map(all.filter((file) => !isTest(file)).map((file) => [file, localImports(file, known)] as const));
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import cycle among the folders of src/', () => {
    const known = new Set(src);
    const folders = new Map<string, Set<string>>();
    for (const file of src.filter((f) => !isTest(f))) {
      const from = folderOf(file);
      for (const target of localImports(file, known)) {
        const to = folderOf(target);
        if (to !== from) (folders.get(from) ?? folders.set(from, new Set()).get(from)!).add(to);
      }
    }
    expect(cycles(new Map([...folders].map(([folder, targets]) => [folder, [...targets]])))).toEqual([]);
  });

  it("imports another folder of src/ only through that folder's index.ts", () => {
    const known = new Set(src);
    const bypasses = src
      .filter((file) => !isTest(file) && !BUNDLE_ENTRIES.has(file))
      .flatMap((file) => localImports(file, known).map((target) => ({ file, target })))
      .filter(({ file, target }) => {
        const folder = folderOf(target);
        // A file at src/'s top (config.ts, errors.ts, ...) is a module of its own.
        return folder !== folderOf(file) && target.split('/').length > 2 && target !== `src/${folder}/index.ts`;
      })
      .map(({ file, target }) => `${file} -> ${target}`);
    expect(bypasses).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const long = [...src, ...web, ...wire]
      .filter((file) => !isTest(file))
      .map((file) => ({ file, lines: readFileSync(path.join(PROJECT_ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
