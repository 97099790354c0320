import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { MIGRATIONS_DIR } from '../tenants/index.ts';
import { checkStatements, HOST_CHECK_MAX_BYTES, splitStatements } from '../tenantdb/index.ts';
import { defineTool } from './tool.ts';

/** `CREATE TABLE IF NOT EXISTS notes (...)` -> `create_table_notes`: a readable migration file name. */
export function migrationSlug(statement: string): string {
  const words = statement
    .replace(/\bIF\s+(NOT\s+)?EXISTS\b/gi, ' ')
    .split(/[^A-Za-z0-9_]+/)
    .filter(Boolean)
    .slice(0, 3)
    .map((word) => word.toLowerCase());
  return words.join('_').slice(0, 48) || 'migration';
}

/** The text after any leading whitespace and comments (for naming a large migration without splitting it). */
function withoutLeadingComments(sql: string): string {
  return sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '');
}

export const updateDatabaseSchema = defineTool({
  name: 'updateDatabaseSchema',
  description:
    "Change the app's SQLite database schema. `sql` holds one or more SQL statements separated by semicolons: CREATE/ALTER/DROP TABLE, CREATE INDEX, CREATE VIEW, CREATE TRIGGER, and INSERT/UPDATE/DELETE for seed data or table copies. They are applied all-or-nothing in one transaction and kept as a numbered migration file. ATTACH, DETACH, VACUUM, PRAGMA, transaction statements and load_extension are refused.",
  parameters: z
    .object({ sql: z.string().min(1, 'must hold at least one SQL statement').max(200_000).describe('SQLite DDL, one or more statements separated by ";".') })
    .strict(),
  async run({ sql }, { tenant }) {
    // Small SQL is split and checked here; larger SQL only in the app's db process (beginMigration),
    // so a big script never occupies the platform's event loop. Either way the same policy applies.
    const statements = sql.length <= HOST_CHECK_MAX_BYTES ? splitStatements(sql) : null;
    if (statements) {
      if (statements.length === 0) throw new TesseraError('INVALID_ARGUMENTS', 'updateDatabaseSchema: `sql` holds no statement (only whitespace or comments).');
      checkStatements(statements, 'schema');
    }
    const slug = migrationSlug(statements ? statements[0]! : withoutLeadingComments(sql.slice(0, 4096)));
    const version = tenant.state.migrationVersion + 1;
    const file = `${MIGRATIONS_DIR}/${String(version).padStart(4, '0')}_${slug}.sql`;
    const pending = await tenant.draftDb.beginMigration(sql, version);
    const count = pending.result.statements;
    const previous = tenant.state.head;
    // A large script is kept as sent: replaying it splits it into the very statements just applied.
    const changes = [{ path: file, content: statements ? `${statements.join(';\n\n')};\n` : `${sql.trim()}\n` }];
    let commit: string;
    try {
      commit = await tenant.workspace.commit(changes, `Migration ${version}: ${count} statement${count === 1 ? '' : 's'} (${slug.replace(/_/g, ' ')})`);
    } catch (err) {
      await pending.rollback();
      throw err;
    }
    // The repo now holds the migration: if the platform died here, load() would replay it. If the
    // database itself refuses the commit, take the repo commit back so both stay as they were.
    try {
      await pending.commit();
    } catch (err) {
      await tenant.workspace.undo(previous, changes);
      throw err;
    }
    tenant.state.migrationVersion = version;
    tenant.state.head = commit;
    return { version, file, statements: count, tables: pending.result.tables, commit };
  },
});
