import { useEffect, useState } from 'react';
import type { CommitInfo, TableInfo } from '../../../../../wire/api.ts';
import { client } from '../../api.ts';

/** A migration file of the app's repository with the commit that added it. */
interface Migration {
  version: number;
  file: string;
  commit: CommitInfo | null;
}

const MIGRATION_FILE = /^migrations\/(\d+)_[^/]*\.sql$/;

/** The migrations in the repository, each matched to its commit ("Migration N: ..."), newest first. */
async function loadMigrations(id: string): Promise<Migration[]> {
  const [{ files }, { commits }] = await Promise.all([
    client.request('GET /api/tenants/:id/files', { params: { id } }) as unknown as Promise<{ files: string[] }>,
    client.request('GET /api/tenants/:id/commits', { params: { id } }),
  ]);
  return files
    .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
    .filter((f): f is { file: string; match: RegExpExecArray } => f.match !== null)
    .map(({ file, match }) => {
      const version = Number(match[1]);
      return { version, file, commit: commits.find((c) => c.message.startsWith(`Migration ${version}:`)) ?? null };
    })
    .sort((a, b) => b.version - a.version);
}

function Table({ table, onBrowse }: { table: TableInfo; onBrowse: (name: string) => void }) {
  return (
    <section className="schema-table" aria-label={`Table ${table.name}`}>
      <h4>
        <button type="button" className="db-link" aria-label={`Browse ${table.name}`} onClick={() => onBrowse(table.name)}>
          {table.name}
        </button>{' '}
        <small>{table.type === 'view' ? 'view' : `${table.rowCount ?? 0} row${table.rowCount === 1 ? '' : 's'}`}</small>
      </h4>
      <table aria-label={`Columns of ${table.name}`}>
        <thead>
          <tr>
            <th>Column</th>
            <th>Type</th>
            <th>Not null</th>
            <th>Default</th>
            <th>Key</th>
          </tr>
        </thead>
        <tbody>
          {table.columns.map((c) => {
            const reference = table.foreignKeys?.find((k) => k.columns.includes(c.name));
            return (
              <tr key={c.name}>
                <td>
                  <code>{c.name}</code>
                </td>
                <td>{c.type || <em>any</em>}</td>
                <td>{c.notNull ? 'yes' : ''}</td>
                <td>{c.defaultValue === null ? '' : <code>{c.defaultValue}</code>}</td>
                <td>
                  {c.primaryKey && <span className="badge">PK</span>}
                  {reference && (
                    <span className="badge" title={reference.onDelete !== 'NO ACTION' ? `on delete ${reference.onDelete}` : undefined}>
                      → {reference.references.table}.{reference.references.columns[reference.columns.indexOf(c.name)] || '(key)'}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {(table.indexes?.length ?? 0) > 0 && (
        <ul className="indexes" aria-label={`Indexes of ${table.name}`}>
          {table.indexes!.map((index) => (
            <li key={index.name}>
              {index.origin === 'index' ? (
                <>
                  {index.unique ? 'unique index' : 'index'} <code>{index.name}</code>
                </>
              ) : (
                `${index.origin} constraint`
              )}{' '}
              on ({index.columns.join(', ')})
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The schema as a readable list (tables, columns, keys, indexes) and the migrations with their commits. */
export function SchemaList({
  id,
  tables,
  head,
  onBrowse,
  onHistory,
}: {
  id: string;
  tables: TableInfo[];
  head: string;
  onBrowse: (table: string) => void;
  onHistory: () => void;
}) {
  const [migrations, setMigrations] = useState<Migration[] | null>(null);
  useEffect(() => {
    loadMigrations(id).then(setMigrations, () => setMigrations([]));
  }, [id, head]);
  return (
    <div className="schema-list">
      {tables.length === 0 && <p>No tables yet.</p>}
      {tables.map((t) => (
        <Table key={t.name} table={t} onBrowse={onBrowse} />
      ))}
      <h3>Migrations</h3>
      {migrations && migrations.length === 0 && <p>No migrations yet.</p>}
      <ol aria-label="Migrations" reversed>
        {migrations?.map((m) => (
          <li key={m.file}>
            <code>{m.file}</code>
            {m.commit ? (
              <div className="migration-commit">
                <code>{m.commit.id.slice(0, 10)}</code> {m.commit.message}{' '}
                <button type="button" className="db-link" onClick={onHistory}>
                  in History
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
