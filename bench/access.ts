/**
 * Access-control figures: what a credential and a role cost per request, and what a password
 * sign-in costs. A member's session (credential, user and membership lookups in the registry) beside
 * TESSERA_TOKEN (compared in memory, admin: no lookups) on the same read; an editor's tool call
 * (the same plus an audit row) beside the admin's; a password sign-in (scrypt) beside a token sign-in.
 */
import { ANONYMOUS } from '../test/support/credentials.ts';
import { request } from '../test/support/http.ts';
import type { startTestServer } from '../test/support/platform.ts';
import { report, sample, sampleInTurns } from './stats.ts';

export async function benchAccess(server: Awaited<ReturnType<typeof startTestServer>>, runs: number): Promise<void> {
  process.stdout.write("\n# Access control: a member's session (registry lookups) vs TESSERA_TOKEN (none), and sign-in by password vs by token\n");
  const admin = { ...ANONYMOUS, authorization: `Bearer ${server.token}` };
  // Every timed call must succeed: a refused one is fast and would flatter the figure.
  const call = async (route: string, headers: Record<string, string>, body?: unknown) => {
    const res = await request(`${server.url}${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status >= 300) throw new Error(`bench: ${route} answered ${res.status}: ${res.text.slice(0, 300)}`);
    return res;
  };
  await call('/api/tenants', admin, { id: 'access' });
  await call('/api/users', admin, { id: 'bench-editor', password: 'bench-editor-password' });
  await request(`${server.url}/api/tenants/access/members/bench-editor`, { method: 'PUT', headers: admin, body: '{"role":"editor","direct":true}' });
  const signedIn = await call('/api/auth/password', ANONYMOUS, { login: 'bench-editor', password: 'bench-editor-password' });
  const editor = { ...ANONYMOUS, cookie: String(signedIn.headers['set-cookie']).split(';')[0]! };

  report(
    'GET /api/tenants/:id as editor',
    await sample(runs, () => call('/api/tenants/access', editor)),
    'same, TESSERA_TOKEN',
    await sample(runs, () => call('/api/tenants/access', admin)),
  );
  const layout = (i: number) => ({ blueprint: { version: 1, title: `T${i}`, routes: [] } });
  // In turns: each call is a commit, and a later commit costs more than an early one.
  const [asEditor, asAdmin] = await sampleInTurns(
    runs,
    (i) => call('/api/tenants/access/tools/updateUILayout', editor, layout(i)),
    (i) => call('/api/tenants/access/tools/updateUILayout', admin, layout(i)),
  );
  report('updateUILayout as editor (+audit)', asEditor, 'same, TESSERA_TOKEN (+audit)', asAdmin);
  // Sign-ins are throttled after 10 failures, not successes: these all succeed.
  report(
    'sign-in with a password (scrypt)',
    await sample(runs, () => call('/api/auth/password', ANONYMOUS, { login: 'bench-editor', password: 'bench-editor-password' })),
    'sign-in with a token (sha256)',
    await sample(runs, () => call('/api/auth/token', ANONYMOUS, { token: server.token })),
  );
}
