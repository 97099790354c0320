/**
 * The app's owner's side of its users (docs/app-users.md): list and search them, change a role,
 * disable (which signs them out everywhere) or delete one, set who may sign up, and read the app's
 * outbox (the reset mails, until SMTP arrives). Owners only: these are people's accounts, and the
 * outbox holds live reset links.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Platform } from '../platform.ts';
import { routePolicies, type Env } from './policy.ts';
import { readBody, readQuery } from './validate.ts';

const listQuery = z.object({ q: z.string().max(200).optional() });
const userPatch = z
  .object({ role: z.enum(['user', 'admin']).optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((patch) => patch.role !== undefined || patch.disabled !== undefined, 'expected "role" or "disabled"');
const appAuthSettings = z.object({ signup: z.enum(['open', 'invite', 'closed']) }).strict();

export function appUsersApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { appUsers } = platform;
  const { requireRole, audited } = routePolicies(platform);

  api.get('/tenants/:id/app-users', requireRole('owner', "reading the app's users"), async function listAppUsers(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const { q } = readQuery(c, listQuery);
    return c.json({ users: await appUsers.list(tenant.id, q?.trim() || undefined), signup: await appUsers.signupPolicy(tenant.id) });
  });

  api.patch(
    '/tenants/:id/app-users/:userId',
    audited('app-user.update', { target: 'userId' }),
    requireRole('owner', "changing an app's user"),
    async function updateAppUser(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const patch = await readBody(c, userPatch, { hint: 'Send {"role": "user"|"admin"} and/or {"disabled": true|false}.' });
      return c.json({ user: await appUsers.update(tenant.id, c.req.param('userId'), patch) });
    },
  );

  api.delete(
    '/tenants/:id/app-users/:userId',
    audited('app-user.delete', { target: 'userId' }),
    requireRole('owner', "deleting an app's user"),
    async function deleteAppUser(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      await appUsers.remove(tenant.id, c.req.param('userId'));
      return c.json({ ok: true });
    },
  );

  api.put('/tenants/:id/app-auth', audited('app-auth.set'), requireRole('owner', 'setting who may sign up to the app'), async function setAppAuth(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const { signup } = await readBody(c, appAuthSettings, { hint: 'Send {"signup": "open"|"invite"|"closed"}.' });
    await appUsers.setSignupPolicy(tenant.id, signup);
    return c.json({ signup });
  });

  api.get('/tenants/:id/outbox', requireRole('owner', "reading the app's outbox"), async function outbox(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    return c.json({ mail: await appUsers.outbox(tenant.id) });
  });

  return api;
}
