import { createHash } from 'node:crypto';
import path from 'node:path';
import { compile, optimize } from '@tailwindcss/node';
import { Scanner } from '@tailwindcss/oxide';
import type { Theme } from '../blueprint/index.ts';
import { THEME_TOKENS_CSS, themeVariablesCss } from './theme.ts';
import { PROJECT_ROOT } from '../project-root.ts';

/** One app's stylesheet: served at `/_tessera/assets/<fileName>`, immutable. */
export interface Stylesheet {
  /** Content-addressed: `styles.<sha256 first 12 hex>.css`. */
  fileName: string;
  code: string;
  /** sha256 (hex) of `code`. */
  hash: string;
  bytes: number;
}

/** What a stylesheet is made from: the app's component bundles (their class names) and its theme. */
export interface StyleInput {
  components: Iterable<{ code: string; hash: string }>;
  theme?: Theme;
}

/**
 * Tailwind's input. Preflight included: components are written for Tailwind and expect its reset.
 * `source(none)`: Tailwind never walks the disk; it gets the candidates from us.
 */
const INPUT_CSS = `@import "tailwindcss" source(none);\n${THEME_TOKENS_CSS}\n`;

/** Only TSX: the kit's catalog and the shell's data code hold prose, not class names. */
const PLATFORM_SOURCES = ['web/ui', 'web/shell'].map((dir) => ({ base: path.join(PROJECT_ROOT, dir), pattern: '**/*.tsx', negated: false }));

type Compiler = Awaited<ReturnType<typeof compile>>;

/** A compiled Tailwind instance and every candidate it was ever given (its builds only grow). */
interface CompilerState {
  compiler: Compiler;
  seen: Set<string>;
}

/** Component bundles whose candidates are remembered (a few KB each at most). */
const MAX_SCANNED = 5000;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Minified by lightningcss. Should it refuse something Tailwind produced for an odd arbitrary value in
 * a tenant's class, the app gets the unminified (still valid for browsers) CSS rather than a failed tool call.
 */
function minify(css: string): string {
  try {
    return optimize(css, { minify: true }).code;
  } catch {
    return css;
  }
}

/** Class-name candidates in a piece of code (Tailwind's own extractor; unknown words are dropped by the build). */
export function scanCandidates(code: string, extension = 'js'): string[] {
  return new Scanner({}).scanFiles([{ content: code, extension }]);
}

/**
 * Builds and caches the stylesheets of every app: one per tenant state (its component bundles and
 * theme). Each tenant keeps a compiled Tailwind instance: after one component changes only that
 * bundle is scanned and the instance builds again from the candidates it already holds (a few ms).
 * A Tailwind build only ever adds candidates, so when one goes away (a class deleted) the tenant
 * gets a fresh instance: the stylesheet always holds exactly the classes in use, and the same input
 * gives the same bytes, whatever was built before.
 */
export class StyleBuilder {
  private readonly compilers = new Map<string, CompilerState>();
  /** Candidates per component bundle hash: a bundle is scanned once. */
  private readonly scanned = new Map<string, string[]>();
  /** Recent stylesheets per tenant (by input key), so pages that loaded before a change still get theirs. */
  private readonly built = new Map<string, Map<string, Stylesheet>>();
  private platformCandidates: string[] | null = null;

  constructor(private readonly options: { keepPerTenant?: number } = {}) {}

  /** The UI kit's and the shell's classes: in every stylesheet. Scanned once per process. */
  kitCandidates(): string[] {
    this.platformCandidates ??= new Scanner({ sources: PLATFORM_SOURCES }).scan();
    return this.platformCandidates;
  }

  /**
   * The stylesheet for one state of a tenant's app.
   *
   * @example
   * const sheet = await styles.build('notes', { components: tenant.state.components.values(), theme: blueprint.theme });
   * sheet.fileName; // 'styles.3f2a9c0d1b7e.css'
   */
  async build(tenantId: string, input: StyleInput): Promise<Stylesheet> {
    const components = [...input.components];
    const key = sha256(JSON.stringify([components.map((c) => c.hash).sort(), input.theme ?? null]));
    const cached = this.built.get(tenantId)?.get(key);
    if (cached) return this.remember(tenantId, key, cached);
    const candidates = new Set(this.kitCandidates());
    for (const component of components) {
      let found = this.scanned.get(component.hash);
      if (!found) {
        found = scanCandidates(component.code);
        this.scanned.set(component.hash, found);
        // Bounded: a long-lived platform sees many versions of many components.
        if (this.scanned.size > MAX_SCANNED) this.scanned.delete(this.scanned.keys().next().value!);
      }
      for (const candidate of found) candidates.add(candidate);
    }
    const css = await this.tailwind(tenantId, candidates);
    const code = minify(`${css}\n${themeVariablesCss(input.theme)}`);
    const hash = sha256(code);
    return this.remember(tenantId, key, { fileName: `styles.${hash.slice(0, 12)}.css`, code, hash, bytes: Buffer.byteLength(code) });
  }

  /** A stylesheet of this tenant built recently (the app origin serves it by file name). */
  find(tenantId: string, fileName: string): Stylesheet | null {
    for (const sheet of this.built.get(tenantId)?.values() ?? []) if (sheet.fileName === fileName) return sheet;
    return null;
  }

  /** Keeps a stylesheet that came from elsewhere (a release's stored copy) findable by file name. */
  adopt(tenantId: string, sheet: Stylesheet): void {
    this.remember(tenantId, `adopted:${sheet.hash}`, sheet);
  }

  forget(tenantId: string): void {
    this.compilers.delete(tenantId);
    this.built.delete(tenantId);
  }

  private async tailwind(tenantId: string, candidates: Set<string>): Promise<string> {
    const state = this.compilers.get(tenantId);
    // Checked and built with no await in between: a concurrent build cannot slip in.
    if (state && [...state.seen].every((candidate) => candidates.has(candidate))) return this.run(state, candidates);
    const fresh: CompilerState = { compiler: await compile(INPUT_CSS, { base: PROJECT_ROOT, onDependency: () => {} }), seen: new Set() };
    this.compilers.set(tenantId, fresh);
    return this.run(fresh, candidates);
  }

  private run(state: CompilerState, candidates: Set<string>): string {
    for (const candidate of candidates) state.seen.add(candidate);
    return state.compiler.build([...candidates]);
  }

  private remember(tenantId: string, key: string, sheet: Stylesheet): Stylesheet {
    let sheets = this.built.get(tenantId);
    if (!sheets) this.built.set(tenantId, (sheets = new Map()));
    // Most recently used last; the oldest go first.
    sheets.delete(key);
    sheets.set(key, sheet);
    for (const old of [...sheets.keys()].slice(0, Math.max(0, sheets.size - (this.options.keepPerTenant ?? 8)))) sheets.delete(old);
    return sheet;
  }
}
