import type { ToolReply } from '../../../../../wire/api.ts';
import type { Problem } from '../../CodeEditor.tsx';
import { tool } from '../source-editor.tsx';

/** What updateDatabaseSchema answers when it applied a migration. */
export interface MigrationApplied {
  version: number;
  file: string;
  statements: number;
  commit: string;
}

/** Applies SQL as the agent's `updateDatabaseSchema` call does: all-or-nothing, one numbered migration, one commit. */
export function applyMigration(id: string, sql: string): Promise<ToolReply<MigrationApplied>> {
  return tool<MigrationApplied>(id, 'updateDatabaseSchema', { sql });
}

/**
 * Where a refused migration failed, for the editor's marker: the tool's error names the failing
 * statement (its number and text); the marker goes on the line where that text starts in what was
 * sent, or, not found there (comments between), on the line of the n-th statement by semicolons.
 */
export function problemsOfMigration(sql: string, answer: ToolReply | null): Problem[] {
  if (!answer || answer.ok) return [];
  const details = answer.error.details as { statement?: unknown; sql?: unknown; line?: unknown } | undefined;
  const lineAt = (offset: number) => sql.slice(0, offset).split('\n').length;
  if (typeof details?.sql === 'string' && details.sql.trim()) {
    const at = sql.indexOf(details.sql.trim().split('\n')[0]!);
    if (at >= 0) return [{ line: lineAt(at), message: answer.error.message }];
  }
  if (typeof details?.statement === 'number' && details.statement >= 1) {
    let offset = 0;
    for (let n = 1; n < details.statement; n++) {
      const next = sql.indexOf(';', offset);
      if (next < 0) break;
      offset = next + 1;
    }
    // The statement starts at its first non-blank character after the previous semicolon.
    while (offset < sql.length && /\s/.test(sql[offset]!)) offset++;
    return [{ line: lineAt(offset), message: answer.error.message }];
  }
  if (typeof details?.line === 'number') return [{ line: details.line, message: answer.error.message }];
  return [{ line: 1, message: answer.error.message }];
}
