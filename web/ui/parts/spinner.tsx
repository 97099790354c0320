/** `@tessera/ui`: Spinner (and the icon Button shows while loading). */
import { cx } from './shared.tsx';

const SPINNER_SIZES = { sm: 'h-4 w-4', md: 'h-6 w-6', lg: 'h-10 w-10' } as const;

export function SpinnerIcon({ className }: { className?: string }) {
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
