/** `@tessera/ui`: AppLayout. */
import { useSyncExternalStore, type ReactNode } from 'react';
import { cx, show } from './shared.tsx';
import { UserMenu } from './user-menu.tsx';

const NAVIGATE_EVENT = 'tessera:navigate';

/** The current path; follows the shell's client-side navigation. "/" on the server. */
function usePathname(): string {
  return useSyncExternalStore(
    (listener) => {
      window.addEventListener('popstate', listener);
      window.addEventListener(NAVIGATE_EVENT, listener);
      return () => {
        window.removeEventListener('popstate', listener);
        window.removeEventListener(NAVIGATE_EVENT, listener);
      };
    },
    () => window.location.pathname,
    () => '/',
  );
}

const WIDTHS = { md: 'max-w-3xl', lg: 'max-w-6xl', xl: 'max-w-7xl', full: 'max-w-none' } as const;

export interface AppLayoutProps {
  title?: string;
  nav?: Array<{ to: string; label: string }>;
  actions?: ReactNode;
  /** Shows the UserMenu at the right of the header (a blueprint cannot pass `actions`). */
  userMenu?: boolean;
  maxWidth?: keyof typeof WIDTHS;
  children?: ReactNode;
}

export function AppLayout({ title, nav = [], actions, userMenu = false, maxWidth = 'lg', children }: AppLayoutProps) {
  const pathname = usePathname();
  const width = WIDTHS[maxWidth] ?? WIDTHS.lg;
  const links = Array.isArray(nav) ? nav : [];
  return (
    <div className="min-h-screen bg-background text-foreground">
      <header className="sticky top-0 z-40 border-b border-border bg-surface/90 backdrop-blur">
        <div className={cx('mx-auto flex h-14 items-center gap-6 px-4 sm:px-6', width)}>
          {title && (
            <a href="/" className="flex items-center gap-2 text-base font-semibold text-foreground">
              <span aria-hidden="true" className="flex h-7 w-7 items-center justify-center rounded-theme bg-primary text-sm text-primary-foreground">
                {title.trim().charAt(0).toUpperCase()}
              </span>
              {title}
            </a>
          )}
          {links.length > 0 && (
            <nav aria-label="Main" className="min-w-0 overflow-x-auto">
              <ul className="flex items-center gap-1">
                {links.map((link) => {
                  const active = pathname === link.to || (link.to !== '/' && pathname.startsWith(`${link.to}/`));
                  return (
                    <li key={link.to}>
                      <a
                        href={link.to}
                        aria-current={active ? 'page' : undefined}
                        className={cx(
                          'block whitespace-nowrap rounded-theme px-3 py-1.5 text-sm font-medium transition-colors',
                          active ? 'bg-accent text-accent-foreground' : 'text-muted-foreground hover:bg-muted hover:text-foreground',
                        )}
                      >
                        {link.label}
                      </a>
                    </li>
                  );
                })}
              </ul>
            </nav>
          )}
          {(actions || userMenu) && (
            <div className="ml-auto flex items-center gap-2">
              {actions}
              {userMenu && <UserMenu />}
            </div>
          )}
        </div>
      </header>
      <main className={cx('mx-auto flex flex-col gap-6 px-4 py-8 sm:px-6', width)}>{show(children)}</main>
    </div>
  );
}
