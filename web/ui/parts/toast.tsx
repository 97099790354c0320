/** `@tessera/ui`: Toast. */
import { useSyncExternalStore } from 'react';
import { cx } from './shared.tsx';

interface ToastItem {
  id: number;
  message: string;
  variant: 'neutral' | 'success' | 'danger';
}

/** One list per page: the kit is one module instance shared through the import map. */
let toasts: ToastItem[] = [];
let nextToast = 1;
const toastListeners = new Set<() => void>();
const emitToasts = (): void => {
  for (const listener of toastListeners) listener();
};
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

const TOAST_VARIANTS = {
  neutral: 'border-border bg-surface text-foreground',
  success: 'border-success/30 bg-surface text-foreground',
  danger: 'border-danger/40 bg-surface text-danger',
} as const;

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
        <div
          key={item.id}
          role="status"
          className={cx(
            'pointer-events-auto flex items-center gap-3 rounded-theme border px-4 py-3 text-sm font-medium shadow-lg',
            TOAST_VARIANTS[item.variant],
          )}
        >
          {item.variant === 'success' && (
            <span aria-hidden="true" className="text-success">
              ✓
            </span>
          )}
          {item.variant === 'danger' && <span aria-hidden="true">!</span>}
          {item.message}
        </div>
      ))}
    </div>
  );
}
