import type { Message } from 'esbuild';
import { TesseraError } from '../errors.ts';

/** Turns esbuild's messages into one COMPILE_ERROR whose text a model can act on: `file:line:col: text`. */
export function compileError(file: string, messages: Message[]): TesseraError {
  const problems = messages.slice(0, 10).map((m) => ({
    file,
    line: m.location?.line,
    // esbuild columns are 0-based; editors and models count from 1.
    column: m.location ? m.location.column + 1 : undefined,
    lineText: m.location?.lineText,
    message: m.text,
  }));
  const lines = problems.map((p) => `${file}${p.line ? `:${p.line}:${p.column}` : ''}: ${p.message}${p.lineText ? `\n    ${p.lineText.trim()}` : ''}`);
  const first = problems[0];
  return new TesseraError('COMPILE_ERROR', `Compile error${problems.length > 1 ? 's' : ''}:\n${lines.join('\n')}`, {
    details: { file, line: first?.line, column: first?.column, lineText: first?.lineText, problems },
  });
}

/** esbuild throws a BuildFailure carrying `errors`; anything else is a plain failure. */
export function messagesOf(err: unknown): Message[] {
  const errors = (err as { errors?: Message[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errors;
  return [{ id: '', pluginName: '', text: err instanceof Error ? err.message : String(err), location: null, notes: [], detail: undefined }];
}
