import vm from 'node:vm';
import type { SourceLocation } from '../protocol.ts';

/** A tenant's handler, as its module exports it. */
export type UserFunction = (...args: unknown[]) => unknown;

/** A load failure with the place in the file it points to, when the error says. */
export class LoadError extends Error {
  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(message);
  }
}

/** Where an error points in `file`: a SyntaxError's decorated stack ("file:LINE", source, carets), else the first frame in the file. */
export function locate(err: unknown, file: string, code: string): SourceLocation | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const lines = stack.split('\n');
  const head = /^(.*):(\d+)$/.exec(lines[0] ?? '');
  if (head && head[1] === file) {
    const caret = (lines[2] ?? '').indexOf('^');
    return { file, line: Number(head[2]), ...(caret >= 0 ? { column: caret + 1 } : {}), lineText: lines[1] ?? '' };
  }
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!frame) return undefined;
  const line = Number(frame[1]);
  return { file, line, column: Number(frame[2]), lineText: code.split('\n')[line - 1]?.slice(0, 300) ?? '' };
}

function errorSummary(err: unknown): string {
  if (!(err instanceof Error)) return `threw ${String(err)}`;
  return `${err.name}: ${err.message}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const keys = Object.keys(value);
  return keys.length ? `an object with ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}` : 'an empty object';
}

/**
 * Evaluates one function's CommonJS bundle and returns its handler: `module.exports` if it is a
 * function, else its `default` (`exports.default = fn`, or ESM compiled by esbuild). With a code
 * cache from an earlier process V8 skips parsing. `beforeRun` is called after compiling and before
 * any of the code runs, with a fresh cache when none was given or V8 rejected it.
 */
export function loadFunction(
  source: { name: string; code: string; codeCache?: Uint8Array },
  sandboxRequire: NodeJS.Require,
  beforeRun?: (freshCache: Uint8Array | undefined) => void,
): UserFunction {
  const file = `functions/${source.name}.js`;
  let wrapper: ReturnType<typeof vm.compileFunction>;
  try {
    wrapper = vm.compileFunction(source.code, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: file,
      produceCachedData: true,
      ...(source.codeCache ? { cachedData: Buffer.from(source.codeCache) } : {}),
    });
  } catch (err) {
    const location = locate(err, file, source.code);
    throw new LoadError(
      `${file} does not compile: ${errorSummary(err)}${location ? ` (line ${location.line}${location.column ? `, column ${location.column}` : ''})` : ''}`,
      location,
    );
  }
  const fresh = !source.codeCache || wrapper.cachedDataRejected ? wrapper.cachedData : undefined;
  beforeRun?.(fresh);
  const module = { exports: {} as unknown, id: file, filename: file, loaded: false, require: sandboxRequire };
  try {
    (wrapper as (...args: unknown[]) => void).call(module.exports, module.exports, sandboxRequire, module, file, 'functions');
  } catch (err) {
    const location = locate(err, file, source.code);
    throw new LoadError(`${file} threw while loading: ${errorSummary(err)}${location ? ` (line ${location.line}, column ${location.column})` : ''}`, location);
  }
  module.loaded = true;
  let exported = module.exports;
  if (typeof exported !== 'function' && exported && typeof (exported as { default?: unknown }).default === 'function')
    exported = (exported as { default: unknown }).default;
  if (typeof exported !== 'function') {
    throw new LoadError(
      `${file} does not export a function (it exports ${describe(exported)}); write \`module.exports = async function (context) { ... }\` or \`export default async function (context) { ... }\``,
    );
  }
  return exported as UserFunction;
}

/** Loaded functions by (name, hash), least recently used first out, so old versions do not pile up. */
export class FunctionCache {
  private readonly entries = new Map<string, UserFunction>();

  constructor(private readonly capacity: number) {}

  get(key: string): UserFunction | undefined {
    const fn = this.entries.get(key);
    if (fn) {
      this.entries.delete(key);
      this.entries.set(key, fn);
    }
    return fn;
  }

  set(key: string, fn: UserFunction): void {
    this.entries.delete(key);
    this.entries.set(key, fn);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
