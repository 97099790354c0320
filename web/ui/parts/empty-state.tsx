/** `@tessera/ui`: EmptyState. */
import type { ReactNode } from 'react';
import { Button } from './button.tsx';
import { show } from './shared.tsx';

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
