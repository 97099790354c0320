import { readServerEvents } from '../../../src/cli/sse.ts';

/** The control API, same origin, JSON only. Errors throw with the server's message. */
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null as T;
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok || json?.ok === false) throw new Error(json?.error?.message ?? `${res.status} ${res.statusText}`);
  return json as T;
}

/** Runs the agent and calls `onEvent` for each server-sent event as it arrives. */
export async function runAgent(tenant: string, prompt: string, onEvent: (type: string, data: any) => void): Promise<void> {
  const res = await fetch(`/api/tenants/${tenant}/agent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) });
  if (!res.ok || !res.body) {
    const json = await res.json().catch(() => null);
    throw new Error(json?.error?.message ?? `${res.status}`);
  }
  for await (const event of readServerEvents(res.body)) onEvent(event.event, JSON.parse(event.data));
}

/** `1.2.3` -> `1.2.4`; no releases -> `1.0.0`. */
export function nextPatch(versions: string[]): string {
  const last = versions.at(-1);
  if (!last) return '1.0.0';
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(last);
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '1.0.0';
}

export const TENANT_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
