import { useEffect, useState } from 'react';
import type { QueryResult, RowsPage, TableInfo, ToolReply } from '../../../../wire/api.ts';
import { client } from '../api.ts';
import { tool } from './source-editor.tsx';

const PAGE_SIZE = 50;

/** One table's rows, a page at a time (read-only). */
function TableRows({ id, table }: { id: string; table: string }) {
  const [page, setPage] = useState(0);
  const [result, setResult] = useState<RowsPage | string | null>(null);
  useEffect(() => {
    client
      .request('GET /api/tenants/:id/database/tables/:table/rows', { params: { id, table }, query: { limit: PAGE_SIZE, offset: page * PAGE_SIZE } })
      .then(setResult, (err: Error) => setResult(err.message));
  }, [id, table, page]);
  if (result === null) return <p>Loading…</p>;
  if (typeof result === 'string')
    return (
      <p className="error" role="alert">
        {result}
      </p>
    );
  return (
    <div>
      <table aria-label={`Rows of ${table}`}>
        <thead>
          <tr>
            {result.columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((r, i) => (
            <tr key={i}>
              {result.columns.map((c) => (
                <td key={c}>{r[c] === null ? <em>null</em> : String(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
          Previous
        </button>
        <span>
          Rows {result.rows.length ? page * PAGE_SIZE + 1 : 0}–{page * PAGE_SIZE + result.rows.length}
        </span>
        <button type="button" disabled={!result.more} onClick={() => setPage((p) => p + 1)}>
          Next
        </button>
      </div>
    </div>
  );
}

export function Database({ id }: { id: string }) {
  const [tables, setTables] = useState<TableInfo[]>([]);
  const [browsing, setBrowsing] = useState<string | null>(null);
  const [sql, setSql] = useState('');
  const [result, setResult] = useState<ToolReply<QueryResult> | null>(null);
  useEffect(() => {
    client.request('GET /api/tenants/:id/database', { params: { id } }).then((d) => setTables(d.tables));
  }, [id]);
  return (
    <div>
      <table aria-label="Tables">
        <thead>
          <tr>
            <th>Table</th>
            <th>Rows</th>
            <th>Columns</th>
          </tr>
        </thead>
        <tbody>
          {tables.map((t) => (
            <tr key={t.name}>
              <td>
                <button type="button" aria-label={`Browse ${t.name}`} onClick={() => setBrowsing(t.name)}>
                  {t.name}
                </button>
              </td>
              <td>{t.rowCount ?? 0}</td>
              <td>{t.columns.map((c) => `${c.name} ${c.type}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tables.length === 0 && <p>No tables yet.</p>}
      {browsing && <TableRows key={browsing} id={id} table={browsing} />}
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
    </div>
  );
}
