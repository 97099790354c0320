/** `@tessera/ui`: Fields. */
import { createContext, useContext, useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { cx } from './shared.tsx';

interface FormState {
  errors: Record<string, string>;
  pending: boolean;
}
export const FormContext = createContext<FormState>({ errors: {}, pending: false });

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

function FieldFrame({
  id,
  label,
  hint,
  message,
  required,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  message?: string;
  required?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-foreground">
        {label}
        {required && (
          <span className="ml-0.5 text-danger" aria-hidden="true">
            *
          </span>
        )}
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
      <input
        id={field.id}
        name={name}
        required={required}
        disabled={disabled || field.pending}
        aria-invalid={field.invalid}
        aria-describedby={field.describedBy}
        className={cx(CONTROL, 'h-10', className)}
        {...rest}
      />
    </FieldFrame>
  );
}

export interface TextareaProps extends TextareaHTMLAttributes<HTMLTextAreaElement>, FieldProps {}

export function Textarea({ label, hint, error, name, className, required, disabled, rows = 4, ...rest }: TextareaProps) {
  const field = useField({ name, error, hint });
  return (
    <FieldFrame id={field.id} label={label} hint={hint} message={field.message} required={required}>
      <textarea
        id={field.id}
        name={name}
        rows={rows}
        required={required}
        disabled={disabled || field.pending}
        aria-invalid={field.invalid}
        aria-describedby={field.describedBy}
        className={cx(CONTROL, className)}
        {...rest}
      />
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
