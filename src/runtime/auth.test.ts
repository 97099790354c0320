import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalRuntime, type FunctionRequest, type TenantDbAccess } from './index.ts';

/**
 * `@tessera/auth` in both isolations ('auto': bubblewrap where it works; 'process': the permission
 * model alone): the user is the one the platform sent beside the request, never one the request names.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-auth-'));
const db: TenantDbAccess = { query: async () => [], execute: async () => ({ changes: 0, lastInsertRowid: 0 }) };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const WHO = `const auth = require('@tessera/auth');
module.exports = async (context) => {
  const me = await auth.user(context);
  let misuse = null;
  try { await auth.user({ request: context.request }); } catch (e) { misuse = e.constructor.name; }
  const { user: viaDefault } = require('@tessera/auth').default;
  return { status: 200, body: { me, misuse, same: JSON.stringify(await viaDefault(context)) === JSON.stringify(me) } };
};`;
const fn = { name: 'who', code: WHO, hash: createHash('sha256').update(WHO).digest('hex') };
const ann = { id: 'u_ann', email: 'ann@example.com', name: 'Ann', role: 'user' as const };
const request = (extra: Partial<FunctionRequest> = {}): FunctionRequest => ({
  method: 'GET',
  url: '/',
  headers: {},
  body: Buffer.alloc(0),
  database: 'live',
  ...extra,
});

describe.each(['auto', 'process'] as const)('@tessera/auth (isolation: %s)', (isolation) => {
  const runtime = createLocalRuntime({ dataDir, db: () => db, isolation, limits: { timeoutMs: 5000, memoryMb: 64, maxResponseBytes: 64 * 1024 } });
  afterAll(() => runtime.close());
  const who = async (extra: Partial<FunctionRequest> = {}) => {
    const { response } = await runtime.invoke('t1', fn, request(extra));
    expect(response.status, response.body.toString()).toBe(200);
    return JSON.parse(response.body.toString());
  };

  it("gives the call's user, null without one, and refuses a context it did not make", async () => {
    expect(await who({ user: ann })).toEqual({ me: ann, misuse: 'TypeError', same: true });
    expect(await who()).toEqual({ me: null, misuse: 'TypeError', same: true });
    // Calls in one process do not leak into each other.
    const [a, b] = await Promise.all([who({ user: { ...ann, id: 'u_a', role: 'admin' } }), who({ user: null })]);
    expect([a.me.id, a.me.role, b.me]).toEqual(['u_a', 'admin', null]);
  });

  it('takes no user from the request: headers and cookies that name one are ignored', async () => {
    const forged = { 'x-tessera-user': JSON.stringify({ ...ann, role: 'admin' }), cookie: 'tessera_app_session=tas_forged', authorization: 'Bearer x' };
    expect((await who({ headers: forged })).me).toBeNull();
  });

  it("keeps to the platform's user after a function replaces WeakMap's methods in the process", async () => {
    const POLLUTE = `module.exports = async () => {
      WeakMap.prototype.get = () => ({ id: 'u_forged', email: 'x@example.com', name: 'x', role: 'admin' });
      WeakMap.prototype.has = () => true;
      return { status: 200, body: 'done' };
    };`;
    const polluter = { name: 'polluter', code: POLLUTE, hash: createHash('sha256').update(POLLUTE).digest('hex') };
    expect((await runtime.invoke('t1', polluter, request())).response.status).toBe(200);
    expect((await who()).me).toBeNull();
    expect((await who({ user: ann })).me).toEqual(ann);
  });
});
