import { useEffect, useState } from 'react';
import type { CellValue, RowKey, RowsPage, TableInfo } from '../../../../../wire/api.ts';
import { client } from '../../api.ts';

const PAGE_SIZE = 50;

type Kind = 'integer' | 'number' | 'boolean' | 'text';

/** The input a column gets, by SQLite's type affinity rules (INT anywhere: integer; REAL/FLOA/DOUB/NUM/DEC: number). */
export function kindOf(type: string): Kind {
  const t = type.toUpperCase();
  if (t.includes('BOOL')) return 'boolean';
  if (t.includes('INT')) return 'integer';
  if (/REAL|FLOA|DOUB|NUM|DEC/.test(t)) return 'number';
  return 'text';
}

/** What an input's text means for the column: numbers as numbers, an empty field as NULL (TEXT NOT NULL: the empty string). */
function cellValue(text: string, kind: Kind, notNull: boolean): CellValue {
  if (text === '') return kind === 'text' && notNull ? '' : null;
  if (kind === 'boolean') return text === 'true';
  if (kind === 'integer' || kind === 'number') return Number.isFinite(Number(text)) ? Number(text) : text;
  return text;
}
const textOf = (value: unknown, kind: Kind): string =>
  value === null || value === undefined ? '' : kind === 'boolean' ? (value === 0 || value === false ? 'false' : 'true') : String(value);

function CellInput({ column, kind, value, onChange }: { column: string; kind: Kind; value: string; onChange: (text: string) => void }) {
  if (kind === 'boolean')
    return (
      <select className="cell-input" aria-label={column} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">null</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  return (
    <input
      className="cell-input"
      aria-label={column}
      type={kind === 'text' ? 'text' : 'number'}
      step={kind === 'integer' ? 1 : 'any'}
      value={value}
      placeholder="null"
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/**
 * A table's rows in a grid: insert, edit and delete one row at a time, each one parameterized
 * statement on the server (the rows routes); a refused change shows its error on its row.
 */
export function RowEditor({
  id,
  table,
  database,
  canEdit,
  onChanged,
}: {
  id: string;
  table: TableInfo;
  /** Which of the app's databases the rows are of (the routes' `?database=`). */
  database: 'draft' | 'live';
  canEdit: boolean;
  onChanged: () => void;
}) {
  const [page, setPage] = useState(0);
  const [result, setResult] = useState<RowsPage | string | null>(null);
  const [reload, setReload] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [fresh, setFresh] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const primary = table.columns.filter((c) => c.primaryKey).map((c) => c.name);
  const keyColumns = primary.length ? primary : ['rowid'];
  // Live data is the app's users' and is never edited from here (the server refuses it too).
  const editable = canEdit && table.type === 'table' && database === 'draft';
  const columnInfo = new Map(table.columns.map((c) => [c.name, c]));
  const kinds = new Map(table.columns.map((c) => [c.name, kindOf(c.type)]));

  useEffect(() => {
    client
      .request('GET /api/tenants/:id/database/tables/:table/rows', {
        params: { id, table: table.name },
        query: { limit: PAGE_SIZE, offset: page * PAGE_SIZE, rowid: primary.length ? 0 : 1, database },
      })
      .then(setResult, (err: Error) => setResult(err.message));
  }, [id, table.name, page, reload, database]);

  /** Runs one change; its error goes on its row, success reloads the page. */
  async function change(where: string, run: () => Promise<unknown>) {
    try {
      await run();
      setErrors(({ [where]: _, ...rest }) => rest);
      setEditing(null);
      setReload((n) => n + 1);
      onChanged();
      return true;
    } catch (err) {
      setErrors((all) => ({ ...all, [where]: (err as Error).message }));
      return false;
    }
  }
  const keyOf = (row: Record<string, unknown>): RowKey => Object.fromEntries(keyColumns.map((k) => [k, row[k] as CellValue]));
  const valuesOf = (texts: Record<string, string>, only?: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(texts)
        .filter(([name, text]) => columnInfo.has(name) && (only ? textOf(only[name], kinds.get(name)!) !== text : text !== ''))
        .map(([name, text]) => [name, cellValue(text, kinds.get(name)!, columnInfo.get(name)!.notNull)]),
    );

  if (result === null) return <p>Loading…</p>;
  if (typeof result === 'string')
    return (
      <p className="error" role="alert">
        {result}
      </p>
    );
  const columns = result.columns;
  const span = columns.length + (editable ? 1 : 0);
  return (
    <div className="row-editor">
      <table aria-label={`Rows of ${table.name}`}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>
                {c} <small>{columnInfo.get(c)?.type ?? (c === 'rowid' ? 'rowid' : '')}</small>
              </th>
            ))}
            {editable && <th aria-label="Actions" />}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row, i) => {
            const where = `row-${page}-${i}`;
            return [
              <tr key={where} aria-label={`Row ${i + 1}`}>
                {columns.map((c) => (
                  <td key={c}>
                    {editing === i && columnInfo.has(c) ? (
                      <CellInput column={c} kind={kinds.get(c)!} value={draft[c] ?? ''} onChange={(text) => setDraft((d) => ({ ...d, [c]: text }))} />
                    ) : row[c] === null ? (
                      <em>null</em>
                    ) : (
                      String(row[c])
                    )}
                  </td>
                ))}
                {editable && (
                  <td className="actions">
                    {editing === i ? (
                      <>
                        <button
                          type="button"
                          className="primary"
                          onClick={() =>
                            change(where, async () => {
                              const values = valuesOf(draft, row);
                              if (Object.keys(values).length === 0) return;
                              await client.request('PATCH /api/tenants/:id/database/tables/:table/rows', {
                                query: { database },
                                params: { id, table: table.name },
                                body: { key: keyOf(row), values },
                              });
                            })
                          }
                        >
                          Save
                        </button>
                        <button
                          type="button"
                          onClick={() => {
                            setEditing(null);
                            setErrors(({ [where]: _, ...rest }) => rest);
                          }}
                        >
                          Cancel
                        </button>
                      </>
                    ) : (
                      <>
                        <button
                          type="button"
                          aria-label={`Edit row ${i + 1}`}
                          onClick={() => {
                            setEditing(i);
                            setDraft(Object.fromEntries(table.columns.map((c) => [c.name, textOf(row[c.name], kinds.get(c.name)!)])));
                          }}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Delete row ${i + 1}`}
                          onClick={() =>
                            window.confirm(`Delete this row of ${table.name} (${database} data)?`) &&
                            change(where, () =>
                              client.request('DELETE /api/tenants/:id/database/tables/:table/rows', {
                                query: { database },
                                params: { id, table: table.name },
                                body: { key: keyOf(row) },
                              }),
                            )
                          }
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                )}
              </tr>,
              errors[where] && (
                <tr key={`${where}-error`}>
                  <td colSpan={span} className="error" role="alert">
                    {errors[where]}
                  </td>
                </tr>
              ),
            ];
          })}
          {editable && (
            <tr aria-label="New row" className="new-row">
              {columns.map((c) => (
                <td key={c}>
                  {columnInfo.has(c) ? (
                    <CellInput
                      column={c}
                      kind={kinds.get(c)!}
                      value={fresh[c] ?? ''}
                      onChange={(text) => {
                        setFresh((d) => ({ ...d, [c]: text }));
                        setErrors(({ new: _, ...rest }) => rest);
                      }}
                    />
                  ) : null}
                </td>
              ))}
              <td className="actions">
                <button
                  type="button"
                  className="primary"
                  onClick={async () => {
                    const added = await change('new', () =>
                      client.request('POST /api/tenants/:id/database/tables/:table/rows', {
                        query: { database },
                        params: { id, table: table.name },
                        body: { values: valuesOf(fresh) },
                      }),
                    );
                    if (added) setFresh({});
                  }}
                >
                  Add row
                </button>
              </td>
            </tr>
          )}
          {errors.new && (
            <tr>
              <td colSpan={span} className="error" role="alert">
                {errors.new}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {editable && <small>Empty fields are NULL (a new row's empty fields take their column's default). Changes write the app's draft data directly.</small>}
      {database === 'live' && <small>Live data is read-only here: it changes through the app itself, or back to a snapshot.</small>}
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
