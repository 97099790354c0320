import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import { decodeValue, encodeValue } from '../fission/index.ts';
import { tenantIdSchema } from '../names.ts';
import type { Platform } from '../platform.ts';
import { errorResponse } from './errors.ts';
import { ownCredential, type Env } from './policy.ts';
import { readBody } from './validate.ts';

const dataCallBody = z.object({ op: z.enum(['query', 'execute']), sql: z.string(), params: z.unknown().optional() });

/**
 * `POST /data/v1/<tenant>`: the remote transport of `@tessera/db` for functions running on Fission.
 * Body `{op: "query" | "execute", sql, params}`, `Authorization: Bearer <tenant data token>`. The
 * token decides the database: one minted for another tenant is a 401, as is a missing, unknown or
 * revoked one. SQL goes through exactly the same policy as calls from Tessera's own runtime.
 */
export function dataApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();

  api.onError((err, c) => errorResponse(c, err, platform.logger));

  /**
   * Asked of the registry on every call (one indexed lookup by the token's hash), never cached: a
   * revoked token, or one of a deleted app (deleting an app deletes its tokens), stops working at
   * once on every replica, also when an app of the same id is created again.
   */
  async function tenantOfToken(header: string | undefined): Promise<string | null> {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!token) return null;
    return platform.registry.dataTokenTenant(createHash('sha256').update(token).digest('hex'));
  }

  /** The token decides the database: one minted for another tenant is refused like a missing one. */
  async function requireDataToken(c: Context<Env>): Promise<void> {
    const tenant = c.req.param('tenant') ?? '';
    const owner = await tenantOfToken(c.req.header('authorization'));
    // One answer for "no token", "unknown token" and "another tenant's token": nothing to probe.
    if (owner === null || owner !== tenant || !tenantIdSchema.safeParse(tenant).success) {
      throw new TesseraError(
        'UNAUTHORIZED',
        `A valid data token of "${tenant}" is required as "Authorization: Bearer <token>" (it is in the Secret the Fission export wrote).`,
      );
    }
  }

  api.post('/v1/:tenant', ownCredential('data token', requireDataToken, { tenantParam: 'tenant' }), async function dataCall(c) {
    const tenant = c.req.param('tenant');
    if (!platform.tenants.exists(tenant)) throw new TesseraError('TENANT_NOT_FOUND', `No app named "${tenant}" on this server.`);
    const body = await readBody(c, dataCallBody, { hint: 'Send {"op": "query" | "execute", "sql": "...", "params": [...]}.' });
    const params = decodeValue(body.params ?? []) as unknown[] | Record<string, unknown>;
    // Fission runs released functions: they use the live database.
    const db = platform.dbPool.get(tenant, 'live');
    const value = body.op === 'query' ? await db.query(body.sql, params) : await db.execute(body.sql, params);
    return c.json({ ok: true, value: encodeValue(value) });
  });

  api.notFound((c) => errorResponse(c, new TesseraError('NOT_FOUND', `No data route ${c.req.method} ${c.req.path}.`), platform.logger));
  return api;
}
