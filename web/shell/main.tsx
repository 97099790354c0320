import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { BlueprintNode } from './node.tsx';
import { findRoute, useLocation } from './router.ts';
import type { AppData } from './types.ts';

/** The generic app shell: reads the app's blueprint from the page and renders the current route. */
function App({ app }: { app: AppData }) {
  const pathname = useLocation();
  const { blueprint, components } = app;
  const match = findRoute(blueprint.routes, pathname);
  useEffect(() => {
    document.title = [...new Set([match?.route.title, blueprint.title].filter(Boolean))].join(' · ') || 'App';
  }, [match?.route.title, blueprint.title]);

  if (blueprint.routes.length === 0) {
    return (
      <main style={{ maxWidth: 560, margin: '4rem auto', textAlign: 'center', color: '#4b5563' }}>
        <h1>This app has no pages yet</h1>
        <p>Describe what you want in the builder, and the agent will lay out its pages.</p>
      </main>
    );
  }
  if (!match) {
    return (
      <main style={{ maxWidth: 560, margin: '4rem auto', textAlign: 'center' }}>
        <h1>Page not found</h1>
        <p>Nothing lives at {pathname}.</p>
        <a href="/">Go to the home page</a>
      </main>
    );
  }
  // A new key per route remounts the tree, so data bindings refetch for new params.
  return <BlueprintNode key={`${match.route.path}:${JSON.stringify(match.params)}`} node={match.route.root} components={components} params={match.params} />;
}

const element = document.getElementById('tessera-app');
const app = JSON.parse(element?.textContent ?? '{}') as AppData;
createRoot(document.getElementById('root')!).render(<App app={app} />);
