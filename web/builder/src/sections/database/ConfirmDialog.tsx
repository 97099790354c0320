import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A question in the page (not the browser's `confirm`): what will happen, in words, and a button
 * that does it. Escape or Cancel closes it; the confirming button has the focus-safe place (second).
 */
export function ConfirmDialog({
  title,
  children,
  confirm,
  danger,
  busy,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="confirm-backdrop">
      <div
        className="confirm-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
        }}
      >
        <h3>{title}</h3>
        {children}
        <div className="row confirm-actions">
          <button type="button" ref={cancel} onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={danger ? 'primary danger-fill' : 'primary'} onClick={onConfirm} disabled={busy}>
            {busy ? 'Working…' : confirm}
          </button>
        </div>
      </div>
    </div>
  );
}
