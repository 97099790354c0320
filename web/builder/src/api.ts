import { createClient } from '../../../wire/client.ts';

export { TENANT_ID } from '../../../wire/ids.ts';

/** The control API, same origin (the session cookie signs requests): typed routes of wire/api.ts; failures throw ApiError with the server's message. */
export const client = createClient();

/** `1.2.3` -> `1.2.4`; no releases -> `1.0.0`. */
export function nextPatch(versions: string[]): string {
  const last = versions.at(-1);
  if (!last) return '1.0.0';
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(last);
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '1.0.0';
}
