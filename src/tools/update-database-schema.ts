import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { MIGRATIONS_DIR } from '../tenants/index.ts';
import { checkStatements, splitStatements } from '../tenantdb/index.ts';
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

export const updateDatabaseSchema = defineTool({
  name: 'updateDatabaseSchema',
  description:
    "Change the app's SQLite database schema. `sql` holds one or more SQL statements separated by semicolons: CREATE/ALTER/DROP TABLE, CREATE INDEX, CREATE VIEW, CREATE TRIGGER, and INSERT/UPDATE/DELETE for seed data or table copies. They are applied all-or-nothing in one transaction and kept as a numbered migration file. ATTACH, DETACH, VACUUM, PRAGMA, transaction statements and load_extension are refused.",
  parameters: z
    .object({ sql: z.string().min(1, 'must hold at least one SQL statement').max(200_000).describe('SQLite DDL, one or more statements separated by ";".') })
    .strict(),
  async run({ sql }, { tenant }) {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new TesseraError('INVALID_ARGUMENTS', 'updateDatabaseSchema: `sql` holds no statement (only whitespace or comments).');
    checkStatements(statements, 'schema');
    const version = tenant.state.migrationVersion + 1;
    const file = `${MIGRATIONS_DIR}/${String(version).padStart(4, '0')}_${migrationSlug(statements[0]!)}.sql`;
    const pending = await tenant.db.beginMigration(sql, version);
    const previous = tenant.state.head;
    const changes = [{ path: file, content: `${statements.join(';\n\n')};\n` }];
    let commit: string;
    try {
      commit = await tenant.workspace.commit(changes, `Migration ${version}: ${statements.length} statement${statements.length === 1 ? '' : 's'} (${migrationSlug(statements[0]!).replace(/_/g, ' ')})`);
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
    return { version, file, statements: statements.length, tables: pending.result.tables, commit };
  },
});
