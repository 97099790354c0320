/** `@tessera/ui`: Form. */
import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Button } from './button.tsx';
import { Checkbox, FormContext, Input, Select, Textarea, type SelectOption } from './fields.tsx';
import { cx } from './shared.tsx';
import { toast } from './toast.tsx';

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
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing (async or not) must fit
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
  const errors =
    record.errors && typeof record.errors === 'object' && !Array.isArray(record.errors)
      ? Object.fromEntries(Object.entries(record.errors as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
      : undefined;
  const nested = record.error && typeof record.error === 'object' ? (record.error as Record<string, unknown>).message : record.error;
  const message = typeof record.message === 'string' ? record.message : typeof nested === 'string' ? nested : undefined;
  return { ...(errors ? { errors } : {}), ...(message ? { message } : {}) };
}

function FieldFor({ field }: { field: FormField }) {
  const common = { name: field.name, label: field.label, required: field.required, hint: field.hint };
  if (field.type === 'textarea') return <Textarea {...common} placeholder={field.placeholder} defaultValue={field.defaultValue as string | undefined} />;
  if (field.type === 'select') return <Select {...common} options={field.options ?? []} placeholder={field.placeholder ?? 'Choose…'} />;
  if (field.type === 'checkbox')
    return <Checkbox name={field.name} label={field.label} description={field.hint} defaultChecked={Boolean(field.defaultValue)} />;
  return <Input {...common} type={field.type ?? 'text'} placeholder={field.placeholder} defaultValue={field.defaultValue as string | number | undefined} />;
}

export function Form({
  action,
  fields,
  submitLabel = 'Save',
  successMessage,
  title,
  description,
  onSubmit,
  onSuccess,
  errors: given,
  resetOnSuccess = true,
  className,
  children,
}: FormProps) {
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
        const res = await fetch(`/api/${encodeURIComponent(action)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(values),
        });
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
          if (!problems.errors && !problems.message)
            problems.message = `Saving failed (${res.status})${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '.'}`;
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
