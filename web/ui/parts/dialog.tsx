/** `@tessera/ui`: Dialog. */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Button } from './button.tsx';
import { show } from './shared.tsx';

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
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop closes it; from the keyboard, Escape does (natively) */}
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
            <button
              type="button"
              onClick={close}
              aria-label="Close"
              className="-mr-2 -mt-2 cursor-pointer rounded-theme p-2 text-muted-foreground hover:bg-muted hover:text-foreground"
            >
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
