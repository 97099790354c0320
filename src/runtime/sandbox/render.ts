import vm from 'node:vm';

interface RenderVendor {
  React: { createElement(type: unknown, props: unknown): unknown };
  jsxRuntime: unknown;
  ReactDOM: unknown;
  renderToString(element: unknown): string;
  /** `@tessera/ui`, built over the same React. */
  ui: unknown;
}

let vendor: RenderVendor | null = null;

function evaluate(code: string, filename: string, requireFn: (name: string) => unknown): unknown {
  const module = { exports: {} as unknown };
  vm.compileFunction(code, ['exports', 'require', 'module'], { filename })(module.exports, requireFn, module);
  return module.exports;
}

/**
 * Renders a component once with React's renderToString (the check before a component is accepted).
 * React arrives once per process (`vendorCode`) and stays loaded. Throws what the component throws.
 */
export function renderComponent(
  component: { name: string; code: string },
  props: Record<string, unknown>,
  vendorCode: string | undefined,
  sandboxRequire: (name: string) => unknown,
): string {
  if (vendorCode) vendor = evaluate(vendorCode, 'tessera-react.js', sandboxRequire) as RenderVendor;
  const react = vendor;
  if (!react) throw new Error('React is not loaded in this sandbox');
  const shared: Record<string, unknown> = {
    react: react.React,
    'react/jsx-runtime': react.jsxRuntime,
    'react/jsx-dev-runtime': react.jsxRuntime,
    'react-dom': react.ReactDOM,
    '@tessera/ui': react.ui,
  };
  const exported = evaluate(component.code, `frontend/${component.name}.tsx`, (name) => {
    if (Object.hasOwn(shared, name)) return shared[name];
    throw new Error(`Cannot find module '${name}'`);
  }) as { default?: unknown };
  const tessera = { params: {}, navigate: () => undefined, reload: () => undefined };
  return react.renderToString(react.React.createElement(exported.default, { ...props, tessera }));
}
