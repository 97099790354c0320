import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/platform.ts';

/**
 * The data endpoint of the Fission transport (`/data/v1/:tenant`) trusts a token only as long as the
 * registry holds it: deleting the app ends it at once, also when an app of the same id comes back.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function mintToken(tenant: string): Promise<string> {
  const token = `tsd_${randomBytes(24).toString('hex')}`;
  await server.platform.registry.addDataToken(tenant, { hash: createHash('sha256').update(token).digest('hex'), label: 'test' });
  return token;
}

function dataCall(tenant: string, token: string, sql: string): Promise<Response> {
  return fetch(`${server.url}/data/v1/${tenant}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'query', sql }),
  });
}

async function api(method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('data tokens and deleted apps', () => {
  it("refuses a deleted app's token at once, also after an app of the same id is created again", async () => {
    expect((await api('POST', '/api/tenants', { id: 'shop' })).status).toBe(201);
    const old = await mintToken('shop');
    // Used once, so any cache in front of the registry would hold it now.
    const first = await dataCall('shop', old, 'SELECT 42 AS answer');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, value: [{ answer: 42 }] });

    expect((await api('DELETE', '/api/tenants/shop')).status).toBe(204);
    expect((await dataCall('shop', old, 'SELECT 1')).status).toBe(401);
    expect((await api('POST', '/api/tenants', { id: 'shop' })).status).toBe(201);
    const refused = await dataCall('shop', old, 'SELECT 1');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

    // The new app's own token works.
    const fresh = await mintToken('shop');
    expect((await dataCall('shop', fresh, 'SELECT 1 AS one')).status).toBe(200);
  });
});
