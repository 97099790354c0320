import { useCallback, useEffect, useState } from 'react';
import type { QueryResult, TableInfo, ToolReply } from '../../../../wire/api.ts';
import { client } from '../api.ts';
import { RowEditor } from './database/RowEditor.tsx';
import { SchemaEditor } from './database/SchemaEditor.tsx';
import { SchemaList } from './database/SchemaList.tsx';
import { TableDesigner } from './database/TableDesigner.tsx';
import { tool } from './source-editor.tsx';

const VIEWS = ['Schema', 'Rows', 'SQL editor', 'Designer'] as const;
type View = (typeof VIEWS)[number];

/** The read-only SQL console: queryDatabase, as the agent reads. */
function Console({ id }: { id: string }) {
  const [sql, setSql] = useState('');
  const [result, setResult] = useState<ToolReply<QueryResult> | null>(null);
  return (
    <>
      <h3>SQL console (read-only)</h3>
      <div className="row">
        <input aria-label="SQL query" placeholder="SELECT * FROM notes LIMIT 20" value={sql} onChange={(e) => setSql(e.target.value)} style={{ flex: 1 }} />
        <button type="button" onClick={async () => setResult(await tool<QueryResult>(id, 'queryDatabase', { sql }))}>
          Run (read-only)
        </button>
      </div>
      {result &&
        (result.ok ? (
          <table aria-label="Query result">
            <thead>
              <tr>
                {result.result.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.result.rows.map((r, i) => (
                <tr key={i}>
                  {result.result.columns.map((c) => (
                    <td key={c}>{String(r[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="error" role="alert">
            {result.error.message}
          </p>
        ))}
    </>
  );
}

/**
 * The app's database: the schema (tables, keys, indexes, migrations), its rows, a SQL editor and a
 * table designer for migrations (both through updateDatabaseSchema, as the agent changes it), and
 * the read-only console. Viewers see everything; the controls that change something are disabled.
 */
export function Database({
  id,
  head,
  canEdit,
  onChange,
  onHistory,
}: {
  id: string;
  head: string;
  canEdit: boolean;
  onChange: () => void;
  onHistory: () => void;
}) {
  const [tables, setTables] = useState<TableInfo[]>([]);
  const [view, setView] = useState<View>('Schema');
  const [browsing, setBrowsing] = useState<string | null>(null);
  const load = useCallback(() => client.request('GET /api/tenants/:id/database', { params: { id } }).then((d) => setTables(d.tables)), [id]);
  useEffect(() => void load(), [load, head]);
  const applied = () => {
    void load();
    onChange();
  };
  const table = tables.find((t) => t.name === browsing) ?? tables.find((t) => t.type === 'table') ?? tables[0];
  return (
    <div className="database">
      <div className="subtabs" role="tablist" aria-label="Database views">
        {VIEWS.map((v) => (
          <button type="button" key={v} role="tab" aria-selected={view === v} onClick={() => setView(v)}>
            {v}
          </button>
        ))}
      </div>
      {!canEdit && (
        <p className="notice" role="note">
          Viewers can read the schema and the rows; changing them needs an editor or owner.
        </p>
      )}
      {view === 'Schema' && (
        <SchemaList
          id={id}
          tables={tables}
          head={head}
          onHistory={onHistory}
          onBrowse={(name) => {
            setBrowsing(name);
            setView('Rows');
          }}
        />
      )}
      {view === 'Rows' && (
        <>
          {table ? (
            <>
              <label>
                Table{' '}
                <select aria-label="Table to edit" value={table.name} onChange={(e) => setBrowsing(e.target.value)}>
                  {tables.map((t) => (
                    <option key={t.name}>{t.name}</option>
                  ))}
                </select>
              </label>
              <RowEditor key={`${table.name}@${head}`} id={id} table={table} canEdit={canEdit} onChanged={() => void load()} />
            </>
          ) : (
            <p>No tables yet.</p>
          )}
          <Console id={id} />
        </>
      )}
      {view === 'SQL editor' && <SchemaEditor id={id} tables={tables} canEdit={canEdit} onApplied={applied} />}
      {view === 'Designer' && <TableDesigner id={id} tables={tables} canEdit={canEdit} onApplied={applied} />}
    </div>
  );
}
