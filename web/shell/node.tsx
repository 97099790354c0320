import { Component, Suspense, lazy, useCallback, useEffect, useState, type ComponentType, type ReactNode } from 'react';
import { BUILTINS } from './builtins.tsx';
import { navigate } from './router.ts';
import type { NodeSpec } from './types.ts';

const boxStyle = { border: '1px solid #fca5a5', background: '#fef2f2', color: '#991b1b', borderRadius: 6, padding: '0.5rem 0.75rem', margin: '0.25rem 0', fontSize: 14 };

export function ErrorBox({ title, message }: { title: string; message: string }) {
  return <div role="alert" data-tessera-error="" style={boxStyle}><strong>{title}</strong> {message}</div>;
}

/** One per tenant component: a component that throws shows a box; the rest of the page lives on. */
class Boundary extends Component<{ name: string; children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <ErrorBox title={`Component ${this.props.name} failed:`} message={this.state.error.message} /> : this.props.children;
  }
}

const loaded = new Map<string, ComponentType<Record<string, unknown>>>();

/** A lazily imported remote component, cached per bundle URL (URLs are content-addressed). */
function remote(url: string): ComponentType<Record<string, unknown>> {
  let component = loaded.get(url);
  if (!component) {
    component = lazy(async () => {
      const module = (await import(/* @vite-ignore */ url)) as { default?: unknown };
      if (typeof module.default !== 'function' && typeof module.default !== 'object') throw new Error('the bundle has no default export');
      return { default: module.default as ComponentType<Record<string, unknown>> };
    });
    loaded.set(url, component);
  }
  return component;
}

type Bindings = NonNullable<NodeSpec['data']>;

async function fetchBinding(binding: Bindings[string], params: Record<string, string>): Promise<unknown> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(binding.query ?? {})) {
    const text = String(value);
    query.set(key, text.startsWith(':') ? (params[text.slice(1)] ?? '') : text);
  }
  const search = query.toString();
  const res = await fetch(`/api/${binding.function}${search ? `?${search}` : ''}`, { method: binding.method ?? 'GET', headers: { accept: 'application/json' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${binding.function} answered ${res.status}: ${text.slice(0, 200)}`);
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/** Fetches a node's data bindings; `reload` fetches them again. */
function useBindings(data: Bindings | undefined, params: Record<string, string>) {
  const [state, setState] = useState<{ values: Record<string, unknown>; error: string | null; loading: boolean }>({ values: {}, error: null, loading: Boolean(data && Object.keys(data).length) });
  const [version, setVersion] = useState(0);
  const key = JSON.stringify([data, params]);
  useEffect(() => {
    if (!data || Object.keys(data).length === 0) return;
    let cancelled = false;
    Promise.all(Object.entries(data).map(async ([prop, binding]) => [prop, await fetchBinding(binding, params)] as const)).then(
      (entries) => !cancelled && setState({ values: Object.fromEntries(entries), error: null, loading: false }),
      (err: Error) => !cancelled && setState((s) => ({ ...s, error: err.message, loading: false })),
    );
    return () => {
      cancelled = true;
    };
  }, [key, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, reload };
}

/** Renders one blueprint node: a built-in or a remote tenant component, its data and children. */
export function BlueprintNode({ node, components, params }: { node: NodeSpec; components: Record<string, string>; params: Record<string, string> }) {
  const { values, error, loading, reload } = useBindings(node.data, params);
  const children = (node.children ?? []).map((child, index) => <BlueprintNode key={index} node={child} components={components} params={params} />);
  const builtin = BUILTINS[node.component];
  if (builtin) {
    const Builtin = builtin as ComponentType<Record<string, unknown>>;
    return <Builtin {...node.props} {...values}>{children.length ? children : undefined}</Builtin>;
  }
  const url = components[node.component];
  if (!url) return <ErrorBox title={`Component ${node.component} failed:`} message="it does not exist in this app." />;
  if (error) return <ErrorBox title={`Data for ${node.component} failed:`} message={error} />;
  if (loading) return <div data-tessera-loading="" style={{ color: '#6b7280', padding: '0.5rem' }}>Loading…</div>;
  const Remote = remote(url);
  const tessera = { params, navigate, reload };
  return (
    <Boundary name={node.component}>
      <Suspense fallback={<div data-tessera-loading="" style={{ color: '#6b7280', padding: '0.5rem' }}>Loading…</div>}>
        <Remote {...node.props} {...values} tessera={tessera}>{children.length ? children : undefined}</Remote>
      </Suspense>
    </Boundary>
  );
}
