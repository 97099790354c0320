import * as kit from '@tessera/ui';
import { Component, Suspense, lazy, useMemo, type ComponentType, type ReactNode } from 'react';
import { BUILTINS } from './builtins.tsx';
import { useBindings } from './data.ts';
import { navigate } from './router.ts';
import type { BlueprintNode, TesseraProp } from './types.ts';

type AnyComponent = ComponentType<Record<string, unknown>>;

/** `ui.Button` -> the kit's Button (the same module instance tenant components import). */
function kitPart(name: string): AnyComponent | undefined {
  if (!name.startsWith('ui.')) return undefined;
  const part = (kit as unknown as Record<string, unknown>)[name.slice(3)];
  return typeof part === 'function' && /^[A-Z]/.test(name.slice(3)) ? (part as AnyComponent) : undefined;
}

/** The small red box that stands in for a part of the page that failed. */
/** `component`: the tenant component whose boundary caught the error (the app check names it from this marker). */
export function ErrorBox({ title, message, component }: { title: string; message: string; component?: string }) {
  return (
    <div
      role="alert"
      data-tessera-error=""
      data-tessera-component={component}
      className="my-1 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800"
    >
      <strong>{title}</strong> {message}
    </div>
  );
}

function Loading() {
  return (
    <div data-tessera-loading="" aria-busy="true" className="p-2 text-sm text-muted-foreground">
      Loading…
    </div>
  );
}

/** One per tenant component: one that throws (or fails to load) shows a box; the rest of the page lives on. */
class Boundary extends Component<{ name: string; children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
  override render() {
    const { error } = this.state;
    return error ? <ErrorBox title={`Component ${this.props.name} failed:`} message={error.message} component={this.props.name} /> : this.props.children;
  }
}

const loaded = new Map<string, AnyComponent>();

async function importComponent(url: string): Promise<{ default: AnyComponent }> {
  const module = (await import(/* @vite-ignore */ url)) as { default?: unknown };
  const exported = module.default;
  const isComponent = typeof exported === 'function' || (typeof exported === 'object' && exported !== null && '$$typeof' in exported);
  if (!isComponent) throw new Error(`its default export is ${exported === null ? 'null' : typeof exported}, not a React component`);
  return { default: exported as AnyComponent };
}

/**
 * A tenant component, one per bundle URL (URLs are content-addressed). The import starts when the
 * node first renders, so it runs in parallel with the node's data requests.
 */
function remote(url: string): AnyComponent {
  let component = loaded.get(url);
  if (!component) {
    const module = importComponent(url);
    // The error surfaces when the component renders (in its boundary), not as an unhandled rejection.
    module.catch(() => {});
    component = lazy(() => module);
    loaded.set(url, component);
  }
  return component;
}

interface NodeProps {
  node: BlueprintNode;
  components: Record<string, string>;
  params: Record<string, string>;
}

/** Renders one blueprint node: a built-in or a tenant component, with its data and its children. */
export function BlueprintNodeView({ node, components, params }: NodeProps) {
  const { values, error, loading, reload } = useBindings(node.data, params);
  const tessera = useMemo<TesseraProp>(() => ({ params, navigate, reload }), [params, reload]);
  const childNodes = node.children ?? [];
  const children = childNodes.length
    ? childNodes.map((child, index) => <BlueprintNodeView key={index} node={child} components={components} params={params} />)
    : undefined;
  const name = node.component;
  const url = components[name];
  const Builtin = Object.hasOwn(BUILTINS, name) ? (BUILTINS[name] as AnyComponent) : undefined;
  const Part = kitPart(name);
  const Remote = url && !Builtin && !Part ? remote(url) : undefined;
  if (error) return <ErrorBox title={`Data for ${name} failed:`} message={error} />;
  if (loading) return <Loading />;

  if (Builtin)
    return (
      <Builtin {...node.props} {...values}>
        {children}
      </Builtin>
    );
  if (Part) {
    // Child nodes, when there are any, are the children; otherwise a `children` prop (e.g. a button's label) stays.
    return (
      <Boundary name={name}>
        <Part {...node.props} {...values} {...(children ? { children } : {})} />
      </Boundary>
    );
  }

  return (
    <Boundary name={name}>
      {Remote ? (
        <Suspense fallback={<Loading />}>
          <Remote {...node.props} {...values} tessera={tessera}>
            {children}
          </Remote>
        </Suspense>
      ) : (
        <ErrorBox title={`Component ${name} failed:`} message="this app has no component of that name." />
      )}
    </Boundary>
  );
}
