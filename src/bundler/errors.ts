import path from 'node:path';
import type { Message } from 'esbuild';
import type { PackageSet } from '../packages/index.ts';
import type { ZodType } from 'zod';
import { TesseraError, type ErrorLocation } from '../errors.ts';

const MAX_PROBLEMS = 10;

/** One problem as a model reads it: `file:line:column: text`, then the offending line. */
function describe(problem: ErrorLocation & { message: string }): string {
  const where = problem.line ? `${problem.file}:${problem.line}:${problem.column}` : `${problem.file}`;
  return `${where}: ${problem.message}${problem.lineText ? `\n    ${problem.lineText.trim()}` : ''}`;
}

/** Turns esbuild's messages into one COMPILE_ERROR whose text a model can act on. */
export function compileError(file: string, messages: Message[]): TesseraError {
  const problems = messages.slice(0, MAX_PROBLEMS).map((m) => ({
    file,
    line: m.location?.line,
    // esbuild columns are 0-based; editors and models count from 1.
    column: m.location ? m.location.column + 1 : undefined,
    lineText: m.location?.lineText,
    message: m.text,
  }));
  const more = messages.length > MAX_PROBLEMS ? `\n(${messages.length - MAX_PROBLEMS} more errors)` : '';
  const first = problems[0];
  return new TesseraError('COMPILE_ERROR', `Compile error${problems.length > 1 ? 's' : ''}:\n${problems.map(describe).join('\n')}${more}`, {
    details: { file, line: first?.line, column: first?.column, lineText: first?.lineText, problems },
  });
}

/** esbuild throws a BuildFailure/TransformFailure carrying `errors`; anything else becomes one message. */
export function messagesOf(err: unknown): Message[] {
  const errors = (err as { errors?: Message[] } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors;
  return [{ id: '', pluginName: '', text: err instanceof Error ? err.message : String(err), location: null, notes: [], detail: undefined }];
}

/** Said instead of a message esbuild located in a file that is neither the tenant's source nor a package's. */
export const OUTSIDE_MESSAGE = "a file outside the app's source and npm packages was reached and could not be compiled (its name and content are not shown).";

/** An absolute or relative path standing on its own in a message (after a space, a quote or a parenthesis). */
const PATH_IN_TEXT = /(?<=^|[\s"'(])\.{0,2}\/[^\s"'`,;()]+/g;

/** What esbuild's JS API says once its service process is gone. */
export const ESBUILD_GONE = /The service (was stopped|is no longer running)/;
/** What Node says when the build's own JavaScript (e.g. a plugin reading a file) runs out of memory. */
export const NODE_OUT_OF_MEMORY = /Array buffer allocation failed|Invalid array buffer length|out of memory/i;

/**
 * messagesOf, keeping only what the tenant may read: a message located in the tenant's own source
 * (`sourcefile`), in a module of the build's own plugins (`namespace:path`) or in a file of the
 * app's packages stays as it is; any other location is a host file, whose path and line (esbuild's
 * `lineText`, the file's content) are dropped, and so are its notes.
 */
export function confinedMessagesOf(err: unknown, sourcefile: string, packages: PackageSet | null | undefined): Message[] {
  // esbuild itself stopped (its process died, e.g. out of memory): that is no message about the
  // tenant's code, so it goes on as it is, for the build worker to report and replace itself.
  if (ESBUILD_GONE.test(err instanceof Error ? err.message : '')) throw err;
  // Likewise a plugin of the build that ran out of memory: esbuild locates that message in the
  // platform's own code, which the rule below would hide, and the worker must see it to stop.
  const exhausted = messagesOf(err).find((m) => NODE_OUT_OF_MEMORY.test(m.text));
  if (exhausted) throw new RangeError(`out of memory while building: ${exhausted.text.split('\n')[0]}`);
  const workingDir = packages?.storeRoot ?? process.cwd();
  const visible = (file: string): boolean => file === sourcefile || /^[a-z][\w-]+:/.test(file) || Boolean(packages?.ownerOf(path.resolve(workingDir, file)));
  // A path in a message's text (e.g. a file a glob matched) that the line itself does not show.
  const scrub = (text: string, lineText: string | undefined): string =>
    text.replace(PATH_IN_TEXT, (token) => (lineText?.includes(token) || visible(token) ? token : '(a file outside the app)'));
  return messagesOf(err).map((m) => {
    if (m.location && !visible(m.location.file)) return { ...m, text: OUTSIDE_MESSAGE, location: null, notes: [], detail: undefined };
    const notes = m.notes
      .filter((note) => !note.location || visible(note.location.file))
      .map((note) => ({ ...note, text: scrub(note.text, note.location?.lineText) }));
    return { ...m, text: scrub(m.text, m.location?.lineText), notes };
  });
}

/** Throws INVALID_NAME unless `name` passes `schema`: names become file names and URLs. */
export function checkName(schema: ZodType<string>, kind: string, name: string): void {
  const result = schema.safeParse(name);
  if (!result.success) throw new TesseraError('INVALID_NAME', `Invalid ${kind} name "${name}": ${result.error.issues[0]?.message ?? 'invalid'}.`);
}
