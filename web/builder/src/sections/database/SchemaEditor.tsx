import { useMemo, useState } from 'react';
import type { TableInfo, ToolReply } from '../../../../../wire/api.ts';
import { CodeEditor } from '../source-editor.tsx';
import { applyMigration, type MigrationApplied, problemsOfMigration } from './migrate.ts';

const PLACEHOLDER = '-- One or more statements, applied all-or-nothing as one numbered migration.\n';

/** SQL for a migration, with the schema's tables and columns for completion; applied through updateDatabaseSchema. */
export function SchemaEditor({ id, tables, canEdit, onApplied }: { id: string; tables: TableInfo[]; canEdit: boolean; onApplied: () => void }) {
  const [sql, setSql] = useState(PLACEHOLDER);
  const [answer, setAnswer] = useState<ToolReply<MigrationApplied> | null>(null);
  const [sent, setSent] = useState('');
  const [applying, setApplying] = useState(false);
  const schema = useMemo(() => Object.fromEntries(tables.map((t) => [t.name, t.columns.map((c) => c.name)])), [tables]);
  const schemaKey = JSON.stringify(schema);
  // The markers belong to the SQL that was sent: editing it clears them.
  const problems = useMemo(() => (sql === sent ? problemsOfMigration(sent, answer) : []), [sql, sent, answer]);
  return (
    <div className="schema-editor">
      <CodeEditor key={schemaKey} value={sql} onChange={setSql} language="sql" label="Migration SQL" problems={problems} height={200} schema={schema} />
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={!canEdit || applying}
          title={canEdit ? undefined : 'Viewers cannot change the schema.'}
          onClick={async () => {
            setApplying(true);
            try {
              const reply = await applyMigration(id, sql);
              setSent(sql);
              setAnswer(reply);
              if (reply.ok) onApplied();
            } finally {
              setApplying(false);
            }
          }}
        >
          {applying ? 'Applying…' : 'Apply migration'}
        </button>
        <small>All statements or none; kept as a numbered migration in one commit.</small>
      </div>
      {answer &&
        (answer.ok ? (
          <p role="status">
            Applied migration {answer.result.version} ({answer.result.statements} statement{answer.result.statements === 1 ? '' : 's'}) as{' '}
            <code>{answer.result.file}</code> in commit <code>{answer.result.commit.slice(0, 10)}</code>.
          </p>
        ) : (
          <p className="error" role="alert">
            {answer.error.message}
          </p>
        ))}
    </div>
  );
}
