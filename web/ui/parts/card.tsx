/** `@tessera/ui`: Card, Stat, Badge. */
import type { ReactNode } from 'react';
import { cx, show } from './shared.tsx';

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
        <span className="text-3xl font-semibold tracking-tight text-foreground tabular-nums">
          {show(typeof value === 'number' ? value.toLocaleString() : value)}
        </span>
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
  return (
    <span
      className={cx('inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-medium', BADGE_VARIANTS[variant] ?? BADGE_VARIANTS.neutral, className)}
    >
      {show(children)}
    </span>
  );
}
