/** `@tessera/ui`: UserMenu, who is signed in and a way out (or in). */
import { useEffect, useState } from 'react';
import { Button } from './button.tsx';
import { Dialog } from './dialog.tsx';
import { cx } from './shared.tsx';
import { AuthForm } from './sign-in.tsx';
import { toast } from './toast.tsx';
import { useUser } from './user.tsx';

export interface UserMenuProps {
  /** Path of the app's sign-in page (the current page is passed as `?next=`); without it, "Sign in" opens the form in a dialog. */
  signInTo?: string;
  className?: string;
}

export function UserMenu({ signInTo, className }: UserMenuProps) {
  const { user, loading, signOut } = useUser();
  const [leaving, setLeaving] = useState(false);
  const [dialogOpen, setDialogOpen] = useState(false);
  // Signed in from the dialog: it is done (else it would open again at the next sign-out).
  useEffect(() => {
    if (user) setDialogOpen(false);
  }, [user]);

  if (loading) return <span className={cx('inline-block h-8 w-24 animate-pulse rounded-theme bg-muted', className)} aria-hidden="true" />;

  if (!user) {
    if (signInTo)
      return (
        <a
          href={signInTo}
          className={cx(
            'inline-flex h-8 items-center rounded-theme border border-border bg-surface px-3 text-sm font-medium text-foreground no-underline shadow-sm hover:bg-muted',
            className,
          )}
          // The page the visitor is on goes along as `?next=`, read at the click (never while rendering).
          onClickCapture={(event) => {
            const here = window.location.pathname + window.location.search;
            event.currentTarget.href = `${signInTo}${signInTo.includes('?') ? '&' : '?'}next=${encodeURIComponent(here)}`;
          }}
        >
          Sign in
        </a>
      );
    return (
      <span className={className}>
        <Button variant="outline" size="sm" onClick={() => setDialogOpen(true)}>
          Sign in
        </Button>
        <Dialog title="Sign in" open={dialogOpen} onClose={() => setDialogOpen(false)}>
          <AuthForm initialMode="signin" framed={false} />
        </Dialog>
      </span>
    );
  }

  async function leave() {
    setLeaving(true);
    try {
      await signOut();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), { variant: 'danger' });
    } finally {
      setLeaving(false);
    }
  }

  const initial = (user.name || user.email).trim().charAt(0).toUpperCase();
  return (
    <div className={cx('flex items-center gap-3', className)} data-tessera-user="">
      <span
        aria-hidden="true"
        className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-accent text-sm font-semibold text-accent-foreground"
      >
        {initial}
      </span>
      <span className="flex min-w-0 flex-col leading-tight">
        <span className="truncate text-sm font-medium text-foreground">{user.name || user.email}</span>
        {user.name && user.name !== user.email && <span className="truncate text-xs text-muted-foreground">{user.email}</span>}
      </span>
      <Button variant="ghost" size="sm" loading={leaving} onClick={leave}>
        Sign out
      </Button>
    </div>
  );
}
