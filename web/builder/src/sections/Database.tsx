import { useCallback, useEffect, useState } from 'react';
import type { QueryResult, TableInfo, ToolReply } from '../../../../wire/api.ts';
import { client } from '../api.ts';
import { DatabaseChoice, type DatabaseKind } from './database/DatabaseChoice.tsx';
import { RowEditor } from './database/RowEditor.tsx';
import { SchemaEditor } from './database/SchemaEditor.tsx';
import { SchemaList } from './database/SchemaList.tsx';
import { Snapshots } from './database/Snapshots.tsx';
import { TableDesigner } from './database/TableDesigner.tsx';
import { tool } from './source-editor.tsx';

const VIEWS = ['Schema', 'Rows', 'SQL editor', 'Designer', 'Snapshots'] as const;
type View = (typeof VIEWS)[number];
/** Views that change the schema: the draft's only (live's changes only by deploys). */
const DRAFT_ONLY: readonly View[] = ['SQL editor', 'Designer'];

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
 * The app's database, draft or live (a switch says which): the schema (tables, keys, indexes,
 * migrations), its rows, a SQL editor and a table designer for the draft's migrations (both through
 * updateDatabaseSchema, as the agent changes it), the read-only console, and the live data's
 * snapshots (owners). Viewers see everything else; the controls that change something are disabled.
 */
export function Database({
  id,
  head,
  live,
  canEdit,
  isOwner,
  onChange,
  onHistory,
  item,
  onItem,
}: {
  id: string;
  head: string;
  /** The release live now (snapshots say which was live when they were taken). */
  live: string | null;
  canEdit: boolean;
  /** Snapshots are the owners' (their routes refuse anyone else). */
  isOwner: boolean;
  onChange: () => void;
  onHistory: () => void;
  /** The table whose rows are shown (the address's item: `/apps/<id>/database/<table>`). */
  item: string | null;
  onItem: (table: string | null) => void;
}) {
  const [tables, setTables] = useState<TableInfo[]>([]);
  const [view, setView] = useState<View>(item ? 'Rows' : 'Schema');
  const [database, setDatabase] = useState<DatabaseKind>('draft');
  const browsing = item;
  const setBrowsing = onItem;
  const [changed, setChanged] = useState(0);
  const load = useCallback(
    () => client.request('GET /api/tenants/:id/database', { params: { id }, query: { database } }).then((d) => setTables(d.tables)),
    [id, database],
  );
  useEffect(() => void load(), [load, head, changed]);
  const views = VIEWS.filter((v) => (v !== 'Snapshots' || isOwner) && (database === 'draft' || !DRAFT_ONLY.includes(v)));
  const choose = (kind: DatabaseKind) => {
    setDatabase(kind);
    if (kind === 'live' && DRAFT_ONLY.includes(view)) setView('Schema');
  };
  const applied = () => {
    void load();
    onChange();
  };
  const table = tables.find((t) => t.name === browsing) ?? tables.find((t) => t.type === 'table') ?? tables[0];
  return (
    <div className={`database showing-${database}`}>
      <DatabaseChoice id={id} database={database} canEdit={canEdit} onChoose={choose} onRefreshed={() => setChanged((n) => n + 1)} />
      <div className="subtabs" role="tablist" aria-label="Database views">
        {views.map((v) => (
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
              <RowEditor
                key={`${table.name}@${head}@${database}@${changed}`}
                id={id}
                table={table}
                database={database}
                canEdit={canEdit}
                onChanged={() => void load()}
              />
            </>
          ) : (
            <p>No tables yet.</p>
          )}
          {database === 'draft' && <Console id={id} />}
        </>
      )}
      {view === 'SQL editor' && <SchemaEditor id={id} tables={tables} canEdit={canEdit} onApplied={applied} />}
      {view === 'Designer' && <TableDesigner id={id} tables={tables} canEdit={canEdit} onApplied={applied} />}
      {view === 'Snapshots' && isOwner && (
        <Snapshots
          id={id}
          live={live}
          onRestored={() => {
            if (database === 'live') setChanged((n) => n + 1);
          }}
        />
      )}
    </div>
  );
}
