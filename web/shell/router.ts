import { useEffect, useState } from 'react';
import type { Route } from './types.ts';

/** Matches a path against a `/notes/:id` pattern; returns the params, or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const actual = have[index]!;
    if (segment.startsWith(':')) params[segment.slice(1)] = safeDecode(actual);
    else if (segment !== actual) return null;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The first route (in blueprint order) that matches. */
export function findRoute(routes: readonly Route[], pathname: string): { route: Route; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}

const CHANGE = 'tessera:navigate';

/** Client-side navigation: pushes a history entry and renders the new route. */
export function navigate(path: string): void {
  const url = new URL(path, location.href);
  if (url.origin !== location.origin) {
    location.assign(url.href);
    return;
  }
  if (url.href === location.href) return;
  history.pushState(null, '', url.href);
  dispatchEvent(new Event(CHANGE));
  if (!url.hash) scrollTo(0, 0);
}

/** Paths the platform serves itself: a full page load, never a route. */
const SERVER_PATHS = /^\/(api|_tessera)(\/|$)/;

function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor?.hasAttribute('href') || (anchor.target && anchor.target !== '_self') || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || SERVER_PATHS.test(url.pathname)) return;
  // Same page, other anchor: the browser scrolls by itself.
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  event.preventDefault();
  navigate(url.href);
}

/** The current path (with query); follows navigate(), back/forward and same-origin link clicks. */
export function useLocation(): string {
  const current = (): string => location.pathname + location.search;
  const [path, setPath] = useState(current);
  useEffect(() => {
    const update = (): void => setPath(current());
    addEventListener('popstate', update);
    addEventListener(CHANGE, update);
    document.addEventListener('click', onLinkClick);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(CHANGE, update);
      document.removeEventListener('click', onLinkClick);
    };
  }, []);
  return path;
}
