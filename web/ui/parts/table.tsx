/** `@tessera/ui`: Table. */
import { useMemo, useState, type ReactNode } from 'react';
import { Button } from './button.tsx';
import { cx } from './shared.tsx';

export interface TableColumn {
  key: string;
  label: string;
  sortable?: boolean;
  align?: 'left' | 'right' | 'center';
  format?: 'text' | 'number' | 'currency' | 'date' | 'boolean';
  /** ISO currency for format "currency"; default USD. */
  currency?: string;
}

export interface TableProps {
  columns: TableColumn[];
  rows: Array<Record<string, unknown>>;
  pageSize?: number;
  caption?: string;
  emptyMessage?: string;
  rowKey?: string;
  render?: Record<string, (row: Record<string, unknown>) => ReactNode>;
  className?: string;
}

function formatCell(value: unknown, column: TableColumn): ReactNode {
  if (value === null || value === undefined || value === '') return <span className="text-muted-foreground">—</span>;
  switch (column.format) {
    case 'number':
      return typeof value === 'number' ? value.toLocaleString() : String(value);
    case 'currency':
      return Number.isFinite(Number(value))
        ? new Intl.NumberFormat(undefined, { style: 'currency', currency: column.currency ?? 'USD' }).format(Number(value))
        : String(value);
    case 'date': {
      const date = new Date(typeof value === 'number' || typeof value === 'string' ? value : String(value));
      return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleDateString();
    }
    case 'boolean':
      return value ? 'Yes' : 'No';
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function compareValues(a: unknown, b: unknown): number {
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  if (empty(a) || empty(b)) return empty(a) === empty(b) ? 0 : empty(a) ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

const ALIGN = { left: 'text-left', right: 'text-right', center: 'text-center' } as const;

export function Table({ columns, rows, pageSize = 10, caption, emptyMessage = 'Nothing here yet.', rowKey = 'id', render, className }: TableProps) {
  const cols = Array.isArray(columns) ? columns : [];
  const all = Array.isArray(rows) ? rows : [];
  const [sort, setSort] = useState<{ key: string; dir: 'asc' | 'desc' } | null>(null);
  const [page, setPage] = useState(0);
  const size = Math.max(1, Math.trunc(Number(pageSize)) || 10);
  const sorted = useMemo(() => {
    if (!sort) return all;
    const copy = [...all].sort((a, b) => compareValues(a[sort.key], b[sort.key]));
    return sort.dir === 'desc' ? copy.reverse() : copy;
  }, [all, sort]);
  const pages = Math.max(1, Math.ceil(sorted.length / size));
  const current = Math.min(page, pages - 1);
  const visible = sorted.slice(current * size, current * size + size);

  function toggle(key: string) {
    setSort((s) => (s?.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' }));
    setPage(0);
  }

  return (
    <div className={cx('overflow-hidden rounded-theme border border-border bg-surface shadow-sm', className)}>
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm">
          {caption && <caption className="px-4 pb-3 pt-4 text-left text-sm font-semibold text-foreground">{caption}</caption>}
          <thead>
            <tr className="border-b border-border bg-muted">
              {cols.map((column) => {
                const active = sort?.key === column.key;
                const align = ALIGN[column.align ?? (column.format === 'number' || column.format === 'currency' ? 'right' : 'left')];
                return (
                  <th
                    key={column.key}
                    scope="col"
                    aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : column.sortable ? 'none' : undefined}
                    className={cx('px-4 py-2.5 text-xs font-semibold uppercase tracking-wide text-muted-foreground', align)}
                  >
                    {column.sortable ? (
                      <button
                        type="button"
                        onClick={() => toggle(column.key)}
                        className="inline-flex cursor-pointer items-center gap-1 uppercase tracking-wide hover:text-foreground"
                      >
                        {column.label}
                        <span aria-hidden="true" className={cx('text-[10px]', !active && 'opacity-40')}>
                          {active && sort.dir === 'desc' ? '▼' : '▲'}
                        </span>
                      </button>
                    ) : (
                      column.label
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {visible.length === 0 ? (
              <tr>
                <td colSpan={Math.max(1, cols.length)} className="px-4 py-10 text-center text-muted-foreground">
                  {emptyMessage}
                </td>
              </tr>
            ) : (
              visible.map((row, index) => (
                <tr key={String(row[rowKey] ?? `${current}-${index}`)} className="border-b border-border last:border-b-0 hover:bg-muted/60">
                  {cols.map((column) => (
                    <td
                      key={column.key}
                      className={cx(
                        'px-4 py-3 text-foreground',
                        ALIGN[column.align ?? (column.format === 'number' || column.format === 'currency' ? 'right' : 'left')],
                        (column.format === 'number' || column.format === 'currency') && 'tabular-nums',
                      )}
                    >
                      {render?.[column.key] ? render[column.key]!(row) : formatCell(row[column.key], column)}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {sorted.length > size && (
        <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-border px-4 py-2.5 text-sm text-muted-foreground">
          <span>
            {current * size + 1}–{Math.min(sorted.length, current * size + size)} of {sorted.length}
          </span>
          <div className="flex items-center gap-2">
            <Button variant="outline" size="sm" onClick={() => setPage(current - 1)} disabled={current === 0}>
              Previous
            </Button>
            <span aria-live="polite">
              Page {current + 1} of {pages}
            </span>
            <Button variant="outline" size="sm" onClick={() => setPage(current + 1)} disabled={current >= pages - 1}>
              Next
            </Button>
          </div>
        </nav>
      )}
    </div>
  );
}
