import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { DataBinding } from './types.ts';

/** Lets a node without bindings refresh every binding of the page (e.g. a form beside a list). */
export const PageData = createContext<{ version: number; reloadAll(): void }>({ version: 0, reloadAll() {} });

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const nested = typeof body.error === 'object' && body.error ? (body.error as { message?: unknown }).message : body.error;
    const message = body.message ?? nested;
    if (typeof message === 'string' && message) return message;
  } catch {
    // Not JSON: show the text itself.
  }
  return text.trim().slice(0, 300) || 'no response body';
}

/** GETs (or POSTs) `/api/<function>`; a query value ":name" becomes the route parameter `name`. */
export async function fetchBinding(binding: DataBinding, params: Record<string, string>): Promise<unknown> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(binding.query ?? {})) {
    const text = String(value);
    query.set(key, /^:[A-Za-z]/.test(text) ? (params[text.slice(1)] ?? '') : text);
  }
  const search = query.toString();
  let res: Response;
  try {
    res = await fetch(`/api/${binding.function}${search ? `?${search}` : ''}`, { method: binding.method ?? 'GET', headers: { accept: 'application/json' } });
  } catch (err) {
    throw new Error(`${binding.function} could not be reached: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${binding.function} answered ${res.status}: ${errorMessage(text)}`);
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A function may answer with plain text or HTML (Fission's mapping of a string body).
    if (!(res.headers.get('content-type') ?? '').includes('json')) return text;
    throw new Error(`${binding.function} answered ${res.status} with invalid JSON`);
  }
}

interface BindingState {
  values: Record<string, unknown>;
  error: string | null;
  loading: boolean;
}

/**
 * Fetches a node's data bindings; `reload` fetches them again. While reloading, the previous
 * values stay, so a component is not unmounted (and keeps its own state) on every refresh.
 */
export function useBindings(data: Record<string, DataBinding> | undefined, params: Record<string, string>): BindingState & { reload(): void } {
  const page = useContext(PageData);
  const bound = Boolean(data && Object.keys(data).length > 0);
  const [state, setState] = useState<BindingState>({ values: {}, error: null, loading: bound });
  const [version, setVersion] = useState(0);
  const key = JSON.stringify([data, params]);
  useEffect(() => {
    if (!data || !bound) return;
    let cancelled = false;
    Promise.all(Object.entries(data).map(async ([prop, binding]) => [prop, await fetchBinding(binding, params)] as const)).then(
      (entries) => !cancelled && setState({ values: Object.fromEntries(entries), error: null, loading: false }),
      (err: unknown) => !cancelled && setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err), loading: false })),
    );
    return () => {
      cancelled = true;
    };
    // `key` stands for data and params, which are new objects on every render.
  }, [key, version, page.version, bound]);
  const reloadOwn = useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, reload: bound ? reloadOwn : page.reloadAll };
}
