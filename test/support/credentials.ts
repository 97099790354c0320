/**
 * Tests act as a signed-in administrator of the servers they start: requests to a test server's
 * control API (`/api/...` on its builder origin) and to its apps' draft origins (`draft.<app>.localhost`,
 * which answer members only: a script's preview grant) carry `Authorization: Bearer <its TESSERA_TOKEN>`,
 * through fetch and through `request()`. A test that means to be anonymous sends the header
 * `x-test-anonymous: 1` (removed before the request leaves) or its own Authorization.
 */
const tokens = new Map<number, string>();

export const ANONYMOUS = { 'x-test-anonymous': '1' } as const;

export function rememberCredential(port: number, token: string): void {
  tokens.set(port, token);
}
export function forgetCredential(port: number): void {
  tokens.delete(port);
}

/** The token to send for a request, or undefined (not a test server's control API, or anonymous/explicit). */
export function credentialFor(url: URL, hostHeader: string | undefined, headers: Headers): string | undefined {
  if (headers.has('x-test-anonymous')) {
    headers.delete('x-test-anonymous');
    return undefined;
  }
  if (headers.has('authorization')) return undefined;
  const host = (hostHeader ?? url.host).toLowerCase();
  const controlApi = /^(localhost|127\.0\.0\.1):\d+$/.test(host) && url.pathname.startsWith('/api/');
  const draftOrigin = /^draft\.[a-z0-9-]+\.localhost:\d+$/.test(host);
  if (!controlApi && !draftOrigin) return undefined;
  return tokens.get(Number(url.port));
}

let installed = false;
/** Wraps the global fetch once (vitest runs each test file in its own module graph and realm). */
export function installFetchCredentials(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    const token = credentialFor(new URL(request.url), undefined, headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return original(new Request(request, { headers }));
  };
}
