import { useState } from 'react';
import type { TableInfo, ToolReply } from '../../../../../wire/api.ts';
import { addColumnSql, COLUMN_TYPES, type ColumnSpec, type ColumnType, createIndexSql, createTableSql, ON_DELETE, type OnDelete } from '../../ddl.ts';
import { applyMigration, type MigrationApplied } from './migrate.ts';

type Mode = 'table' | 'column' | 'index';
const MODES: Array<[Mode, string]> = [
  ['table', 'New table'],
  ['column', 'Add a column'],
  ['index', 'Add an index'],
];

const blankColumn = (): ColumnSpec => ({ name: '', type: 'TEXT', notNull: false, defaultValue: '', unique: false });

/** One column's fields: name, type, not null, default, unique, primary key (new tables), foreign key. */
function ColumnFields({
  column,
  tables,
  withPrimaryKey,
  label,
  onChange,
  onRemove,
}: {
  column: ColumnSpec;
  tables: TableInfo[];
  withPrimaryKey: boolean;
  label: string;
  onChange: (column: ColumnSpec) => void;
  onRemove?: () => void;
}) {
  const set = (change: Partial<ColumnSpec>) => onChange({ ...column, ...change });
  const target = column.references ? `${column.references.table}.${column.references.column}` : '';
  return (
    <fieldset className="column-fields" aria-label={label}>
      <input aria-label="Column name" placeholder="column_name" value={column.name} onChange={(e) => set({ name: e.target.value })} />
      <select aria-label="Type" value={column.type} onChange={(e) => set({ type: e.target.value as ColumnType })}>
        {COLUMN_TYPES.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <label>
        <input type="checkbox" checked={column.notNull ?? false} onChange={(e) => set({ notNull: e.target.checked })} /> not null
      </label>
      <input aria-label="Default" placeholder="default" value={column.defaultValue ?? ''} onChange={(e) => set({ defaultValue: e.target.value })} size={10} />
      <label>
        <input type="checkbox" checked={column.unique ?? false} onChange={(e) => set({ unique: e.target.checked })} /> unique
      </label>
      {withPrimaryKey && (
        <label>
          <input type="checkbox" checked={column.primaryKey ?? false} onChange={(e) => set({ primaryKey: e.target.checked })} /> primary key
        </label>
      )}
      <select
        aria-label="References"
        value={target}
        onChange={(e) => {
          const [table, col] = e.target.value.split('.');
          const { references: _, ...rest } = column;
          onChange(table && col ? { ...rest, references: { table, column: col, onDelete: column.references?.onDelete ?? 'NO ACTION' } } : rest);
        }}
      >
        <option value="">no foreign key</option>
        {tables
          .filter((t) => t.type === 'table')
          .flatMap((t) =>
            t.columns
              .filter((c) => c.primaryKey || t.indexes?.some((i) => i.unique && i.columns.length === 1 && i.columns[0] === c.name))
              .map((c) => `${t.name}.${c.name}`),
          )
          .map((ref) => (
            <option key={ref} value={ref}>
              → {ref}
            </option>
          ))}
      </select>
      {column.references && (
        <select
          aria-label="On delete"
          value={column.references.onDelete ?? 'NO ACTION'}
          onChange={(e) => set({ references: { ...column.references!, onDelete: e.target.value as OnDelete } })}
        >
          {ON_DELETE.map((o) => (
            <option key={o} value={o}>
              on delete {o.toLowerCase()}
            </option>
          ))}
        </select>
      )}
      {onRemove && (
        <button type="button" className="danger" aria-label={`Remove ${label}`} onClick={onRemove}>
          ×
        </button>
      )}
    </fieldset>
  );
}

/**
 * Create a table, or add a column or an index, through a form; shows the SQL it will run (ddl.ts)
 * and applies it as a migration through updateDatabaseSchema, as the schema editor does.
 */
export function TableDesigner({ id, tables, canEdit, onApplied }: { id: string; tables: TableInfo[]; canEdit: boolean; onApplied: () => void }) {
  const [mode, setMode] = useState<Mode>('table');
  const [tableName, setTableName] = useState('');
  const [columns, setColumns] = useState<ColumnSpec[]>([{ name: 'id', type: 'INTEGER', primaryKey: true }, blankColumn()]);
  const writable = tables.filter((t) => t.type === 'table');
  const [target, setTarget] = useState('');
  const [column, setColumn] = useState<ColumnSpec>(blankColumn());
  const [indexColumns, setIndexColumns] = useState<string[]>([]);
  const [indexUnique, setIndexUnique] = useState(false);
  const [indexName, setIndexName] = useState('');
  const [answer, setAnswer] = useState<ToolReply<MigrationApplied> | null>(null);
  const [applying, setApplying] = useState(false);

  const targetTable = writable.find((t) => t.name === target) ?? writable[0];
  let ddl = '';
  let problem = '';
  try {
    if (mode === 'table') ddl = createTableSql(tableName, columns);
    else if (!targetTable) problem = 'There is no table yet: create one first.';
    else if (mode === 'column') ddl = addColumnSql(targetTable.name, column);
    else ddl = createIndexSql(targetTable.name, indexColumns, { unique: indexUnique, name: indexName });
  } catch (err) {
    problem = (err as Error).message;
  }

  return (
    <div className="designer">
      <div className="row" role="radiogroup" aria-label="What to design">
        {MODES.map(([m, text]) => (
          <label key={m}>
            <input
              type="radio"
              name="designer-mode"
              checked={mode === m}
              onChange={() => {
                setMode(m);
                setAnswer(null);
              }}
            />{' '}
            {text}
          </label>
        ))}
      </div>
      {mode === 'table' && (
        <>
          <div className="row">
            <input aria-label="Table name" placeholder="table_name" value={tableName} onChange={(e) => setTableName(e.target.value)} />
          </div>
          {columns.map((c, i) => (
            <ColumnFields
              key={i}
              column={c}
              tables={tables}
              withPrimaryKey
              label={`Column ${i + 1}`}
              onChange={(next) => setColumns((all) => all.map((old, j) => (j === i ? next : old)))}
              onRemove={columns.length > 1 ? () => setColumns((all) => all.filter((_, j) => j !== i)) : undefined}
            />
          ))}
          <button type="button" onClick={() => setColumns((all) => [...all, blankColumn()])}>
            + Column
          </button>
        </>
      )}
      {mode !== 'table' && targetTable && (
        <div className="row">
          <select aria-label="Table" value={targetTable.name} onChange={(e) => setTarget(e.target.value)}>
            {writable.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </select>
        </div>
      )}
      {mode === 'column' && targetTable && <ColumnFields column={column} tables={tables} withPrimaryKey={false} label="New column" onChange={setColumn} />}
      {mode === 'index' && targetTable && (
        <fieldset aria-label="Index columns" className="column-fields">
          {targetTable.columns.map((c) => (
            <label key={c.name}>
              <input
                type="checkbox"
                checked={indexColumns.includes(c.name)}
                onChange={(e) => setIndexColumns((all) => (e.target.checked ? [...all, c.name] : all.filter((n) => n !== c.name)))}
              />{' '}
              {c.name}
            </label>
          ))}
          <label>
            <input type="checkbox" checked={indexUnique} onChange={(e) => setIndexUnique(e.target.checked)} /> unique
          </label>
          <input aria-label="Index name" placeholder="name (optional)" value={indexName} onChange={(e) => setIndexName(e.target.value)} />
        </fieldset>
      )}
      <h4>SQL it will run</h4>
      {problem ? (
        <p className="error" role="note" aria-label="Designer problem">
          {problem}
        </p>
      ) : (
        <figure aria-label="DDL to run">
          <pre className="ddl">{ddl}</pre>
        </figure>
      )}
      <button
        type="button"
        className="primary"
        disabled={!canEdit || applying || !ddl || Boolean(problem)}
        title={canEdit ? undefined : 'Viewers cannot change the schema.'}
        onClick={async () => {
          setApplying(true);
          try {
            const reply = await applyMigration(id, ddl);
            setAnswer(reply);
            if (reply.ok) onApplied();
          } finally {
            setApplying(false);
          }
        }}
      >
        {applying ? 'Applying…' : 'Apply'}
      </button>
      {answer &&
        (answer.ok ? (
          <p role="status">
            Applied as migration {answer.result.version} (<code>{answer.result.file}</code>, commit <code>{answer.result.commit.slice(0, 10)}</code>).
          </p>
        ) : (
          <p className="error" role="alert">
            {answer.error.message}
          </p>
        ))}
    </div>
  );
}
