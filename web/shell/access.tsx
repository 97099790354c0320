import { SignIn, UserMenu, useUser } from '@tessera/ui';
import type { ReactNode } from 'react';

/**
 * A route's `access` ("user" or "admin"; a public route never renders this, so it never asks who is signed in) in the browser: a visitor gets the app's sign-in page in place of the page (at
 * the same address, so signing in shows the page they asked for), a plain user an admin page's "not
 * allowed". Only what is shown: the data behind the page is protected by the functions' access.
 */
export function AccessGate({ access, appTitle, children }: { access: 'user' | 'admin'; appTitle?: string; children: ReactNode }) {
  const { user, loading } = useUser();
  if (loading)
    return (
      <div data-tessera-loading="" aria-busy="true" className="p-6 text-sm text-muted-foreground">
        Loading…
      </div>
    );
  if (!user)
    return (
      <Frame appTitle={appTitle}>
        <SignIn description={appTitle ? `Sign in to continue to ${appTitle}.` : 'Sign in to see this page.'} />
      </Frame>
    );
  if (access === 'admin' && user.role !== 'admin')
    return (
      <Frame appTitle={appTitle}>
        <section role="alert" className="mx-auto flex w-full max-w-md flex-col gap-3 rounded-theme border border-border bg-surface p-6 shadow-sm">
          <h1 className="text-xl font-semibold tracking-tight">Not allowed</h1>
          <p className="text-sm text-muted-foreground">
            This page is for the app's administrators, and you are signed in as {user.email}. Ask the app's owner if you need it.
          </p>
          <a href="/" className="text-sm font-medium text-primary underline-offset-4 hover:underline">
            Go to the home page
          </a>
          <div className="mt-2 border-t border-border pt-4">
            <UserMenu />
          </div>
        </section>
      </Frame>
    );
  return children;
}

/** The app's name over a centred panel, in the app's theme. */
function Frame({ appTitle, children }: { appTitle?: string; children: ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center bg-background px-4 py-16 text-foreground">
      {appTitle && (
        <a href="/" className="mb-8 flex items-center gap-2 text-lg font-semibold text-foreground">
          <span aria-hidden="true" className="flex h-8 w-8 items-center justify-center rounded-theme bg-primary text-sm text-primary-foreground">
            {appTitle.trim().charAt(0).toUpperCase()}
          </span>
          {appTitle}
        </a>
      )}
      <div className="w-full">{children}</div>
    </main>
  );
}
