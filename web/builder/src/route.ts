/**
 * The builder's address (DESIGN.md "Builder URLs"): `/apps/<id>` opens an app, `/apps/<id>/<section>`
 * one of its sections and `/apps/<id>/<section>/<item>` an item in it (a component, a function, a
 * table), so a reload or a shared link lands on the same view. `/?app=<id>` still opens an app.
 */
export interface BuilderRoute {
  app: string | null;
  section: string | null;
  item: string | null;
}

export function readRoute(loc: { pathname: string; search: string } = location): BuilderRoute {
  const parts = loc.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'apps' && parts[1]) return { app: parts[1], section: parts[2] ?? null, item: parts[3] ?? null };
  return { app: new URLSearchParams(loc.search).get('app'), section: null, item: null };
}

export function routePath(route: BuilderRoute): string {
  if (!route.app) return '/';
  const parts = ['apps', route.app, ...(route.section ? [route.section] : []), ...(route.section && route.item ? [route.item] : [])];
  return `/${parts.map(encodeURIComponent).join('/')}`;
}

/** Puts `route` in the address bar (a new history entry unless it is the same place), keeping the page. */
export function showRoute(route: BuilderRoute): void {
  const next = routePath(route);
  if (next !== location.pathname) history.pushState(null, '', next);
}

/** Calls `listener` when the person goes back or forward. */
export function onRouteChange(listener: (route: BuilderRoute) => void): () => void {
  const handler = () => listener(readRoute());
  addEventListener('popstate', handler);
  return () => removeEventListener('popstate', handler);
}
