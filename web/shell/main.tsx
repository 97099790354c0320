import { RELOAD_EVENT, Toaster } from '@tessera/ui';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { AccessGate } from './access.tsx';
import { PageData } from './data.ts';
import { BlueprintNodeView, ErrorBox } from './node.tsx';
import { findRoute, useLocation } from './router.ts';
import type { AppData } from './types.ts';

function Notice({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="mx-auto my-16 max-w-xl px-4 text-center">
      <h1 className="mb-2 text-2xl font-semibold">{title}</h1>
      {children}
    </main>
  );
}

/** The generic app shell: renders the route of the current URL from the blueprint. */
function App({ app }: { app: AppData }) {
  const path = useLocation();
  const pathname = path.split('?')[0]!;
  const { blueprint, components } = app;
  const routes = Array.isArray(blueprint.routes) ? blueprint.routes : [];
  const match = useMemo(() => findRoute(routes, pathname), [routes, pathname]);
  const [version, setVersion] = useState(0);
  const reloadAll = useCallback(() => setVersion((v) => v + 1), []);
  const page = useMemo(() => ({ version, reloadAll }), [version, reloadAll]);
  // A kit Form that posted to a function changed data: every binding of the page fetches again.
  useEffect(() => {
    addEventListener(RELOAD_EVENT, reloadAll);
    return () => removeEventListener(RELOAD_EVENT, reloadAll);
  }, [reloadAll]);

  useEffect(() => {
    const parts = [match?.route.title, blueprint.title].filter((part): part is string => Boolean(part));
    document.title = [...new Set(parts)].join(' · ') || 'App';
  }, [match, blueprint.title]);

  if (routes.length === 0) {
    return (
      <Notice title="This app has no pages yet">
        <p className="text-muted-foreground">Describe what you want in the builder, and the agent will lay out its pages.</p>
      </Notice>
    );
  }
  if (!match) {
    return (
      <Notice title="Page not found">
        <p className="mb-4 text-muted-foreground">There is no page at {pathname}.</p>
        <a href="/" className="font-medium text-primary underline-offset-4 hover:underline">
          Go to the home page
        </a>
      </Notice>
    );
  }
  // A key per route and params remounts the page: bindings refetch, error boundaries reset.
  const content = (
    <PageData.Provider value={page}>
      <BlueprintNodeView key={`${match.route.path}\n${JSON.stringify(match.params)}`} node={match.route.root} components={components} params={match.params} />
    </PageData.Provider>
  );
  const access = match.route.access;
  return access === 'user' || access === 'admin' ? (
    <AccessGate access={access} appTitle={blueprint.title}>
      {content}
    </AccessGate>
  ) : (
    content
  );
}

function readAppData(): AppData {
  const app = JSON.parse(document.getElementById('tessera-app')?.textContent ?? 'null') as AppData | null;
  if (!app || typeof app !== 'object' || !app.blueprint || typeof app.blueprint !== 'object') throw new Error('the page carries no app blueprint');
  return { ...app, components: app.components ?? {} };
}

const root = createRoot(document.getElementById('root')!);
try {
  const app = readAppData();
  root.render(
    <>
      <App app={app} />
      <Toaster />
    </>,
  );
} catch (err) {
  root.render(<ErrorBox title="This app could not start:" message={err instanceof Error ? err.message : String(err)} />);
}
