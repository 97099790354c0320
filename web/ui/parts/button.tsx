/** `@tessera/ui`: Button. */
import type { ButtonHTMLAttributes } from 'react';
import { SpinnerIcon } from './spinner.tsx';
import { cx, show } from './shared.tsx';

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
