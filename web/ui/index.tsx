/**
 * `@tessera/ui`: the built-in UI kit. Tenant components `import { Button } from '@tessera/ui'`; the
 * blueprint places the same parts as `ui.Button`. Served once per app (a vendor bundle in the import
 * map, React external), so the shell and every component share one copy (one toast list, one
 * React). Styled with Tailwind classes over the theme's tokens (bg-primary, rounded-theme, ...):
 * every class here is scanned into each app's stylesheet, so class names must be written out whole.
 * Safe to render on the server (no window access while rendering). Props: web/ui/catalog.ts.
 */
import {
  Children,
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ButtonHTMLAttributes,
  type FormEvent,
  type InputHTMLAttributes,
  type KeyboardEvent,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

const cx = (...classes: Array<string | false | null | undefined>): string => classes.filter(Boolean).join(' ');

/** Blueprint props arrive as JSON: text stays text, anything else is shown as JSON rather than crashing React. */
const show = (value: unknown): ReactNode => (value === null || value === undefined || typeof value === 'boolean' ? null : typeof value === 'object' && !Array.isArray(value) && !('$$typeof' in value) ? JSON.stringify(value) : (value as ReactNode));

/* ------------------------------------------------------------------ Button */

const BUTTON_VARIANTS = {
  primary: 'bg-primary text-primary-foreground shadow-sm hover:bg-primary/90',
  secondary: 'bg-muted text-foreground hover:bg-border',
  outline: 'border border-border bg-surface text-foreground shadow-sm hover:bg-muted',
  ghost: 'text-foreground hover:bg-muted',
  danger: 'bg-danger text-danger-foreground shadow-sm hover:bg-danger/90',
} as const;
const BUTTON_SIZES = { sm: 'h-8 px-3 text-sm', md: 'h-10 px-4 text-sm', lg: 'h-11 px-6 text-base' } as const;
const BUTTON_BASE =
  'inline-flex cursor-pointer items-center justify-center gap-2 whitespace-nowrap rounded-theme font-medium no-underline transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-primary disabled:pointer-events-none disabled:opacity-50';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: keyof typeof BUTTON_VARIANTS;
  size?: keyof typeof BUTTON_SIZES;
  loading?: boolean;
  /** Renders a link styled as a button. */
  to?: string;
}

export function Button({ variant = 'primary', size = 'md', loading = false, to, className, children, type = 'button', disabled, ...rest }: ButtonProps) {
  const classes = cx(BUTTON_BASE, BUTTON_VARIANTS[variant] ?? BUTTON_VARIANTS.primary, BUTTON_SIZES[size] ?? BUTTON_SIZES.md, className);
  if (to !== undefined) {
    return (
      <a href={to} className={classes}>
        {show(children)}
      </a>
    );
  }
  return (
    <button type={type} className={classes} disabled={disabled || loading} aria-busy={loading || undefined} {...rest}>
      {loading && <SpinnerIcon className="h-4 w-4" />}
      {show(children)}
    </button>
  );
}

/* ------------------------------------------------------------------ Fields */

interface FormState {
  errors: Record<string, string>;
  pending: boolean;
}
const FormContext = createContext<FormState>({ errors: {}, pending: false });

const CONTROL =
  'block w-full rounded-theme border border-border bg-surface px-3 py-2 text-sm text-foreground shadow-sm transition-colors placeholder:text-muted-foreground focus:border-primary focus:outline-none focus:ring-2 focus:ring-primary/25 disabled:cursor-not-allowed disabled:opacity-60 aria-invalid:border-danger aria-invalid:focus:ring-danger/25';

interface FieldProps {
  label: string;
  hint?: string;
  error?: string;
  name?: string;
}

/** Label, control, hint and error, tied together by ids (aria-describedby, aria-invalid). */
function useField({ name, error, hint }: { name?: string; error?: string; hint?: string }) {
  const id = useId();
  const form = useContext(FormContext);
  const message = error ?? (name ? form.errors[name] : undefined);
  const describedBy = cx(hint && `${id}-hint`, message && `${id}-error`) || undefined;
  return { id, message, describedBy, pending: form.pending, invalid: message ? true : undefined };
}

function FieldFrame({ id, label, hint, message, required, children }: { id: string; label: string; hint?: string; message?: string; required?: boolean; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-foreground">
        {label}
        {required && <span className="ml-0.5 text-danger" aria-hidden="true">*</span>}
      </label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      )}
      {message && (
        <p id={`${id}-error`} className="text-sm font-medium text-danger">
          {message}
        </p>
      )}
    </div>
  );
}

export interface InputProps extends InputHTMLAttributes<HTMLInputElement>, FieldProps {}

export function Input({ label, hint, error, name, className, required, disabled, ...rest }: InputProps) {
  const field = useField({ name, error, hint });
  return (
    <FieldFrame id={field.id} label={label} hint={hint} message={field.message} required={required}>
      <input id={field.id} name={name} required={required} disabled={disabled || field.pending} aria-invalid={field.invalid} aria-describedby={field.describedBy} className={cx(CONTROL, 'h-10', className)} {...rest} />
    </FieldFrame>
  );
}

export interface TextareaProps extends TextareaHTMLAttributes<HTMLTextAreaElement>, FieldProps {}

export function Textarea({ label, hint, error, name, className, required, disabled, rows = 4, ...rest }: TextareaProps) {
  const field = useField({ name, error, hint });
  return (
    <FieldFrame id={field.id} label={label} hint={hint} message={field.message} required={required}>
      <textarea id={field.id} name={name} rows={rows} required={required} disabled={disabled || field.pending} aria-invalid={field.invalid} aria-describedby={field.describedBy} className={cx(CONTROL, className)} {...rest} />
    </FieldFrame>
  );
}

export type SelectOption = string | { value: string; label: string };

export interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement>, FieldProps {
  options: SelectOption[];
  placeholder?: string;
}

export function Select({ label, hint, error, name, options, placeholder, className, required, disabled, ...rest }: SelectProps) {
  const field = useField({ name, error, hint });
  const list = Array.isArray(options) ? options : [];
  const uncontrolled = rest.value === undefined && rest.defaultValue === undefined;
  return (
    <FieldFrame id={field.id} label={label} hint={hint} message={field.message} required={required}>
      <select
        id={field.id}
        name={name}
        required={required}
        disabled={disabled || field.pending}
        aria-invalid={field.invalid}
        aria-describedby={field.describedBy}
        className={cx(CONTROL, 'h-10 pr-8', className)}
        {...(uncontrolled && placeholder !== undefined ? { defaultValue: '' } : {})}
        {...rest}
      >
        {placeholder !== undefined && (
          <option value="" disabled={required}>
            {placeholder}
          </option>
        )}
        {list.map((option) => {
          const { value, label: text } = typeof option === 'string' ? { value: option, label: option } : option;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
    </FieldFrame>
  );
}

export interface CheckboxProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'type'> {
  label: string;
  description?: string;
  error?: string;
}

export function Checkbox({ label, description, error, name, className, disabled, ...rest }: CheckboxProps) {
  const field = useField({ name, error, hint: description });
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-start gap-3">
        <input
          id={field.id}
          type="checkbox"
          name={name}
          disabled={disabled || field.pending}
          aria-invalid={field.invalid}
          aria-describedby={field.describedBy}
          className={cx('mt-0.5 h-4 w-4 shrink-0 cursor-pointer rounded border-border accent-primary', className)}
          {...rest}
        />
        <div className="flex flex-col">
          <label htmlFor={field.id} className="cursor-pointer text-sm font-medium text-foreground">
            {label}
          </label>
          {description && (
            <p id={`${field.id}-hint`} className="text-xs text-muted-foreground">
              {description}
            </p>
          )}
        </div>
      </div>
      {field.message && (
        <p id={`${field.id}-error`} className="text-sm font-medium text-danger">
          {field.message}
        </p>
      )}
    </div>
  );
}

/* ------------------------------------------------------------------ Form */

export interface FormField {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'number' | 'password' | 'date' | 'search' | 'url' | 'tel' | 'textarea' | 'select' | 'checkbox';
  options?: SelectOption[];
  required?: boolean;
  placeholder?: string;
  hint?: string;
  defaultValue?: string | number | boolean;
}

export type FormValues = Record<string, string | number | boolean | null>;
/** What a function (or onSubmit) answers when the input is wrong: `{ errors: { field: message }, message? }`. */
export interface FormProblems {
  errors?: Record<string, string>;
  message?: string;
}

export interface FormProps {
  /** Name of the tenant function to POST the values to (`/api/<action>`, JSON). */
  action?: string;
  fields?: FormField[];
  submitLabel?: string;
  successMessage?: string;
  title?: string;
  description?: string;
  /** Instead of `action`: handle the values yourself; return `{ errors }` to show them. */
  onSubmit?: (values: FormValues) => Promise<void | FormProblems | undefined> | void | FormProblems | undefined;
  onSuccess?: (result: unknown) => void;
  /** Field errors to show (e.g. from your own validation). */
  errors?: Record<string, string>;
  /** Clear the fields after a successful submit; default true. */
  resetOnSuccess?: boolean;
  className?: string;
  children?: ReactNode;
}

/** The event the app shell listens to: refetch every data binding of the page (a form changed data). */
export const RELOAD_EVENT = 'tessera:reload';

/** Every named control's value: checkboxes as booleans, number inputs as numbers (null when empty). */
function formValues(form: HTMLFormElement): FormValues {
  const values: FormValues = {};
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement) || !element.name) continue;
    if (element instanceof HTMLInputElement && (element.type === 'submit' || element.type === 'button' || element.type === 'reset')) continue;
    if (element instanceof HTMLInputElement && element.type === 'checkbox') values[element.name] = element.checked;
    else if (element instanceof HTMLInputElement && element.type === 'radio') {
      if (element.checked) values[element.name] = element.value;
    } else if (element instanceof HTMLInputElement && element.type === 'number') values[element.name] = element.value === '' ? null : Number(element.value);
    else values[element.name] = element.value;
  }
  return values;
}

function problemsOf(body: unknown): FormProblems {
  if (!body || typeof body !== 'object') return {};
  const record = body as Record<string, unknown>;
  const errors = record.errors && typeof record.errors === 'object' && !Array.isArray(record.errors) ? Object.fromEntries(Object.entries(record.errors as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : undefined;
  const nested = record.error && typeof record.error === 'object' ? (record.error as Record<string, unknown>).message : record.error;
  const message = typeof record.message === 'string' ? record.message : typeof nested === 'string' ? nested : undefined;
  return { ...(errors ? { errors } : {}), ...(message ? { message } : {}) };
}

function FieldFor({ field }: { field: FormField }) {
  const common = { name: field.name, label: field.label, required: field.required, hint: field.hint };
  if (field.type === 'textarea') return <Textarea {...common} placeholder={field.placeholder} defaultValue={field.defaultValue as string | undefined} />;
  if (field.type === 'select') return <Select {...common} options={field.options ?? []} placeholder={field.placeholder ?? 'Choose…'} />;
  if (field.type === 'checkbox') return <Checkbox name={field.name} label={field.label} description={field.hint} defaultChecked={Boolean(field.defaultValue)} />;
  return <Input {...common} type={field.type ?? 'text'} placeholder={field.placeholder} defaultValue={field.defaultValue as string | number | undefined} />;
}

export function Form({ action, fields, submitLabel = 'Save', successMessage, title, description, onSubmit, onSuccess, errors: given, resetOnSuccess = true, className, children }: FormProps) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const state = useMemo(() => ({ errors: { ...errors, ...given }, pending }), [errors, given, pending]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = formValues(form);
    setPending(true);
    setMessage(null);
    try {
      let problems: FormProblems = {};
      let result: unknown = null;
      if (onSubmit) {
        problems = (await onSubmit(values)) ?? {};
      } else if (action) {
        const res = await fetch(`/api/${encodeURIComponent(action)}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(values) });
        const text = await res.text();
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // A plain-text answer: shown as the form's message when it is an error.
        }
        if (res.ok) result = body;
        else {
          problems = problemsOf(body);
          if (!problems.errors && !problems.message) problems.message = `Saving failed (${res.status})${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '.'}`;
        }
      }
      if (problems.errors && Object.keys(problems.errors).length > 0) {
        setErrors(problems.errors);
        setMessage(problems.message ?? 'Please correct the highlighted fields.');
        return;
      }
      if (problems.message) {
        setErrors({});
        setMessage(problems.message);
        return;
      }
      setErrors({});
      if (resetOnSuccess) form.reset();
      if (successMessage) toast(successMessage, { variant: 'success' });
      onSuccess?.(result);
      if (action) window.dispatchEvent(new Event(RELOAD_EVENT));
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setPending(false);
    }
  }

  return (
    <FormContext.Provider value={state}>
      <form onSubmit={submit} className={cx('flex flex-col gap-4', className)} aria-busy={pending || undefined}>
        {(title || description) && (
          <div className="flex flex-col gap-1">
            {title && <h2 className="text-lg font-semibold text-foreground">{title}</h2>}
            {description && <p className="text-sm text-muted-foreground">{description}</p>}
          </div>
        )}
        {message && (
          <div role="alert" className="rounded-theme border border-danger/30 bg-danger/10 px-3 py-2 text-sm font-medium text-danger">
            {message}
          </div>
        )}
        {(Array.isArray(fields) ? fields : []).map((field) => (
          <FieldFor key={field.name} field={field} />
        ))}
        {children}
        {(fields || action) && (
          <div className="flex justify-end gap-2 pt-1">
            <Button type="submit" loading={pending}>
              {submitLabel}
            </Button>
          </div>
        )}
      </form>
    </FormContext.Provider>
  );
}

/* ------------------------------------------------------------------ Table */

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
      return Number.isFinite(Number(value)) ? new Intl.NumberFormat(undefined, { style: 'currency', currency: column.currency ?? 'USD' }).format(Number(value)) : String(value);
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
                  <th key={column.key} scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : column.sortable ? 'none' : undefined} className={cx('px-4 py-2.5 text-xs font-semibold uppercase tracking-wide text-muted-foreground', align)}>
                    {column.sortable ? (
                      <button type="button" onClick={() => toggle(column.key)} className="inline-flex cursor-pointer items-center gap-1 uppercase tracking-wide hover:text-foreground">
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
                    <td key={column.key} className={cx('px-4 py-3 text-foreground', ALIGN[column.align ?? (column.format === 'number' || column.format === 'currency' ? 'right' : 'left')], (column.format === 'number' || column.format === 'currency') && 'tabular-nums')}>
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

/* ------------------------------------------------------------------ Card, Stat, Badge */

export interface CardProps {
  title?: string;
  description?: string;
  footer?: ReactNode;
  className?: string;
  children?: ReactNode;
}

export function Card({ title, description, footer, className, children }: CardProps) {
  return (
    <section className={cx('flex flex-col rounded-theme border border-border bg-surface text-foreground shadow-sm', className)}>
      {(title || description) && (
        <header className="flex flex-col gap-1 px-5 pt-5">
          {title && <h3 className="text-base font-semibold leading-tight">{title}</h3>}
          {description && <p className="text-sm text-muted-foreground">{description}</p>}
        </header>
      )}
      {children !== undefined && <div className="flex flex-1 flex-col gap-3 p-5">{show(children)}</div>}
      {footer && <footer className="flex items-center gap-2 border-t border-border px-5 py-3">{show(footer)}</footer>}
    </section>
  );
}

export interface StatProps {
  label: string;
  value: string | number;
  change?: string;
  hint?: string;
  className?: string;
}

export function Stat({ label, value, change, hint, className }: StatProps) {
  const down = typeof change === 'string' && /^\s*[-−]/.test(change);
  return (
    <div className={cx('flex flex-col gap-1 rounded-theme border border-border bg-surface p-5 shadow-sm', className)}>
      <span className="text-sm font-medium text-muted-foreground">{label}</span>
      <div className="flex items-baseline gap-2">
        <span className="text-3xl font-semibold tracking-tight text-foreground tabular-nums">{show(typeof value === 'number' ? value.toLocaleString() : value)}</span>
        {change && <span className={cx('text-sm font-medium', down ? 'text-danger' : 'text-success')}>{change}</span>}
      </div>
      {hint && <span className="text-xs text-muted-foreground">{hint}</span>}
    </div>
  );
}

const BADGE_VARIANTS = {
  neutral: 'bg-muted text-muted-foreground',
  primary: 'bg-accent text-accent-foreground',
  success: 'bg-success/15 text-success',
  danger: 'bg-danger/10 text-danger',
} as const;

export function Badge({ variant = 'neutral', className, children }: { variant?: keyof typeof BADGE_VARIANTS; className?: string; children?: ReactNode }) {
  return <span className={cx('inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-medium', BADGE_VARIANTS[variant] ?? BADGE_VARIANTS.neutral, className)}>{show(children)}</span>;
}

/* ------------------------------------------------------------------ Tabs */

export interface TabsProps {
  tabs: Array<string | { label: string; content?: ReactNode }>;
  defaultIndex?: number;
  className?: string;
  children?: ReactNode;
}

export function Tabs({ tabs, defaultIndex = 0, className, children }: TabsProps) {
  const items = (Array.isArray(tabs) ? tabs : []).map((tab) => (typeof tab === 'string' ? { label: tab, content: undefined } : tab));
  const panels = Children.toArray(children);
  const [index, setIndex] = useState(Math.min(Math.max(0, defaultIndex), Math.max(0, items.length - 1)));
  const id = useId();
  const refs = useRef<Array<HTMLButtonElement | null>>([]);

  function onKeyDown(event: KeyboardEvent) {
    const last = items.length - 1;
    const next = event.key === 'ArrowRight' ? (index === last ? 0 : index + 1) : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1) : event.key === 'Home' ? 0 : event.key === 'End' ? last : null;
    if (next === null) return;
    event.preventDefault();
    setIndex(next);
    refs.current[next]?.focus();
  }

  return (
    <div className={cx('flex flex-col gap-4', className)}>
      <div role="tablist" aria-orientation="horizontal" onKeyDown={onKeyDown} className="flex gap-1 border-b border-border">
        {items.map((tab, i) => (
          <button
            key={i}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${i}`}
            aria-selected={i === index}
            aria-controls={`${id}-panel-${i}`}
            tabIndex={i === index ? 0 : -1}
            onClick={() => setIndex(i)}
            className={cx(
              '-mb-px cursor-pointer border-b-2 px-4 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-primary',
              i === index ? 'border-primary text-foreground' : 'border-transparent text-muted-foreground hover:text-foreground',
            )}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {items.map((tab, i) => (
        <div key={i} role="tabpanel" id={`${id}-panel-${i}`} aria-labelledby={`${id}-tab-${i}`} hidden={i !== index} tabIndex={0}>
          {i === index && (tab.content !== undefined ? show(tab.content) : panels[i])}
        </div>
      ))}
    </div>
  );
}

/* ------------------------------------------------------------------ Dialog */

export interface DialogProps {
  title: string;
  description?: string;
  /** Uncontrolled: a button with this label opens the dialog. */
  triggerLabel?: string;
  open?: boolean;
  onClose?: () => void;
  footer?: ReactNode;
  children?: ReactNode;
}

export function Dialog({ title, description, triggerLabel, open, onClose, footer, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [own, setOwn] = useState(false);
  const isOpen = open ?? own;
  const id = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) dialog.showModal();
    if (!isOpen && dialog.open) dialog.close();
  }, [isOpen]);

  const close = useCallback(() => {
    setOwn(false);
    onClose?.();
  }, [onClose]);

  return (
    <>
      {triggerLabel && open === undefined && (
        <Button variant="outline" onClick={() => setOwn(true)}>
          {triggerLabel}
        </Button>
      )}
      <dialog
        ref={ref}
        aria-labelledby={`${id}-title`}
        aria-describedby={description ? `${id}-description` : undefined}
        // Escape and form[method=dialog] close the native dialog: keep React's state in step.
        onClose={close}
        onClick={(event) => event.target === ref.current && close()}
        className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-theme border border-border bg-surface p-0 text-foreground shadow-xl backdrop:bg-black/40"
      >
        <div className="flex flex-col gap-4 p-6">
          <div className="flex items-start justify-between gap-4">
            <div className="flex flex-col gap-1">
              <h2 id={`${id}-title`} className="text-lg font-semibold">
                {title}
              </h2>
              {description && (
                <p id={`${id}-description`} className="text-sm text-muted-foreground">
                  {description}
                </p>
              )}
            </div>
            <button type="button" onClick={close} aria-label="Close" className="-mr-2 -mt-2 cursor-pointer rounded-theme p-2 text-muted-foreground hover:bg-muted hover:text-foreground">
              ✕
            </button>
          </div>
          {isOpen && children !== undefined && <div className="flex flex-col gap-3">{show(children)}</div>}
          {footer && <div className="flex justify-end gap-2">{show(footer)}</div>}
        </div>
      </dialog>
    </>
  );
}

/* ------------------------------------------------------------------ Toast */

interface ToastItem {
  id: number;
  message: string;
  variant: 'neutral' | 'success' | 'danger';
}

/** One list per page: the kit is one module instance shared through the import map. */
let toasts: ToastItem[] = [];
let nextToast = 1;
const toastListeners = new Set<() => void>();
const emitToasts = (): void => toastListeners.forEach((listener) => listener());
const NO_TOASTS: ToastItem[] = [];

/** Shows a short message at the bottom of the page; returns a function that dismisses it. */
export function toast(message: string, options: { variant?: ToastItem['variant']; duration?: number } = {}): () => void {
  const id = nextToast++;
  toasts = [...toasts, { id, message: String(message), variant: options.variant ?? 'neutral' }];
  emitToasts();
  const dismiss = (): void => {
    toasts = toasts.filter((t) => t.id !== id);
    emitToasts();
  };
  if (typeof window !== 'undefined') window.setTimeout(dismiss, options.duration ?? 4000);
  return dismiss;
}

const TOAST_VARIANTS = { neutral: 'border-border bg-surface text-foreground', success: 'border-success/30 bg-surface text-foreground', danger: 'border-danger/40 bg-surface text-danger' } as const;

/** Where toasts appear; the app shell renders one. */
export function Toaster() {
  const list = useSyncExternalStore(
    (listener) => {
      toastListeners.add(listener);
      return () => toastListeners.delete(listener);
    },
    () => toasts,
    () => NO_TOASTS,
  );
  return (
    <div aria-live="polite" className="pointer-events-none fixed bottom-4 right-4 z-50 flex w-[min(24rem,calc(100vw-2rem))] flex-col gap-2">
      {list.map((item) => (
        <div key={item.id} role="status" className={cx('pointer-events-auto flex items-center gap-3 rounded-theme border px-4 py-3 text-sm font-medium shadow-lg', TOAST_VARIANTS[item.variant])}>
          {item.variant === 'success' && <span aria-hidden="true" className="text-success">✓</span>}
          {item.variant === 'danger' && <span aria-hidden="true">!</span>}
          {item.message}
        </div>
      ))}
    </div>
  );
}

/* ------------------------------------------------------------------ EmptyState, Spinner */

export interface EmptyStateProps {
  title: string;
  description?: string;
  actionLabel?: string;
  actionTo?: string;
  children?: ReactNode;
}

export function EmptyState({ title, description, actionLabel, actionTo, children }: EmptyStateProps) {
  return (
    <div className="flex flex-col items-center justify-center gap-3 rounded-theme border border-dashed border-border bg-surface px-6 py-12 text-center">
      <div aria-hidden="true" className="flex h-12 w-12 items-center justify-center rounded-full bg-accent text-xl text-accent-foreground">
        ✦
      </div>
      <h3 className="text-base font-semibold text-foreground">{title}</h3>
      {description && <p className="max-w-sm text-sm text-muted-foreground">{description}</p>}
      {actionLabel && actionTo && <Button to={actionTo}>{actionLabel}</Button>}
      {show(children)}
    </div>
  );
}

const SPINNER_SIZES = { sm: 'h-4 w-4', md: 'h-6 w-6', lg: 'h-10 w-10' } as const;

function SpinnerIcon({ className }: { className?: string }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" className={cx('animate-spin', className)}>
      <circle cx="12" cy="12" r="10" stroke="currentColor" strokeWidth="4" className="opacity-25" />
      <path fill="currentColor" d="M4 12a8 8 0 0 1 8-8v4a4 4 0 0 0-4 4H4z" className="opacity-75" />
    </svg>
  );
}

export function Spinner({ label = 'Loading', size = 'md' }: { label?: string; size?: keyof typeof SPINNER_SIZES }) {
  return (
    <span role="status" aria-label={label} className="inline-flex items-center gap-2 text-muted-foreground">
      <SpinnerIcon className={cx('text-primary', SPINNER_SIZES[size] ?? SPINNER_SIZES.md)} />
      <span className="sr-only">{label}</span>
    </span>
  );
}

/* ------------------------------------------------------------------ AppLayout */

const NAVIGATE_EVENT = 'tessera:navigate';

/** The current path; follows the shell's client-side navigation. "/" on the server. */
function usePathname(): string {
  return useSyncExternalStore(
    (listener) => {
      window.addEventListener('popstate', listener);
      window.addEventListener(NAVIGATE_EVENT, listener);
      return () => {
        window.removeEventListener('popstate', listener);
        window.removeEventListener(NAVIGATE_EVENT, listener);
      };
    },
    () => window.location.pathname,
    () => '/',
  );
}

const WIDTHS = { md: 'max-w-3xl', lg: 'max-w-6xl', xl: 'max-w-7xl', full: 'max-w-none' } as const;

export interface AppLayoutProps {
  title?: string;
  nav?: Array<{ to: string; label: string }>;
  actions?: ReactNode;
  maxWidth?: keyof typeof WIDTHS;
  children?: ReactNode;
}

export function AppLayout({ title, nav = [], actions, maxWidth = 'lg', children }: AppLayoutProps) {
  const pathname = usePathname();
  const width = WIDTHS[maxWidth] ?? WIDTHS.lg;
  const links = Array.isArray(nav) ? nav : [];
  return (
    <div className="min-h-screen bg-background text-foreground">
      <header className="sticky top-0 z-40 border-b border-border bg-surface/90 backdrop-blur">
        <div className={cx('mx-auto flex h-14 items-center gap-6 px-4 sm:px-6', width)}>
          {title && (
            <a href="/" className="flex items-center gap-2 text-base font-semibold text-foreground">
              <span aria-hidden="true" className="flex h-7 w-7 items-center justify-center rounded-theme bg-primary text-sm text-primary-foreground">
                {title.trim().charAt(0).toUpperCase()}
              </span>
              {title}
            </a>
          )}
          {links.length > 0 && (
            <nav aria-label="Main" className="min-w-0 overflow-x-auto">
              <ul className="flex items-center gap-1">
                {links.map((link) => {
                  const active = pathname === link.to || (link.to !== '/' && pathname.startsWith(`${link.to}/`));
                  return (
                    <li key={link.to}>
                      <a
                        href={link.to}
                        aria-current={active ? 'page' : undefined}
                        className={cx('block whitespace-nowrap rounded-theme px-3 py-1.5 text-sm font-medium transition-colors', active ? 'bg-accent text-accent-foreground' : 'text-muted-foreground hover:bg-muted hover:text-foreground')}
                      >
                        {link.label}
                      </a>
                    </li>
                  );
                })}
              </ul>
            </nav>
          )}
          {actions && <div className="ml-auto flex items-center gap-2">{actions}</div>}
        </div>
      </header>
      <main className={cx('mx-auto flex flex-col gap-6 px-4 py-8 sm:px-6', width)}>{show(children)}</main>
    </div>
  );
}
