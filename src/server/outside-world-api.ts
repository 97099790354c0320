import { Hono } from 'hono';
import { z } from 'zod';
import { checkEgressEntry } from '../egress/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { checkSecretName } from '../secrets/index.ts';
import { routePolicies, type Env } from './policy.ts';
import { readBody } from './validate.ts';

/** The value is checked by the secret store (a string, its size), with its own message. */
const secretValue = z.object({ value: z.unknown().optional() });
const egressAllowlist = z.object({ allow: z.array(z.unknown()).max(200) }).strict();

/**
 * Secrets and egress of an app, set by people (the model can only ask: see tools/outside-world.ts).
 * No answer ever carries a secret's value.
 */
export function outsideWorldApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { registry, secrets } = platform;
  const { requireRole, audited } = routePolicies(platform);

  api.get('/tenants/:id/secrets', requireRole('viewer', 'reading the secrets'), async function listSecrets(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    return c.json(await secrets.list(tenant.id));
  });

  api.put('/tenants/:id/secrets/:name', audited('secret.set', { target: 'name' }), requireRole('editor', 'setting a secret'), async function setSecret(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const name = checkSecretName(c.req.param('name'));
    const body = await readBody(c, secretValue, { limitBytes: 128 * 1024, hint: 'Send {"value": "..."}.' });
    await secrets.set(tenant.id, name, body.value);
    c.var.logger.info({ tenant: tenant.id, secret: name }, 'secret set');
    return c.json({ ok: true, name });
  });

  api.delete(
    '/tenants/:id/secrets/:name',
    audited('secret.delete', { target: 'name' }),
    requireRole('editor', 'deleting a secret'),
    async function deleteSecret(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const name = checkSecretName(c.req.param('name'));
      await secrets.delete(tenant.id, name);
      c.var.logger.info({ tenant: tenant.id, secret: name }, 'secret deleted');
      return c.json({ ok: true, name });
    },
  );

  api.get('/tenants/:id/secret-requests', requireRole('viewer', 'reading the secret requests'), async function secretRequests(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    return c.json({ requests: await registry.listSecretRequests(tenant.id) });
  });

  api.delete(
    '/tenants/:id/secret-requests/:name',
    audited('secret-request.delete', { target: 'name' }),
    requireRole('editor', 'dismissing a secret request'),
    async function dismissSecretRequest(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const name = checkSecretName(c.req.param('name'));
      if (!(await registry.dismissSecretRequest(tenant.id, name))) throw new TesseraError('NOT_FOUND', `Nobody asked for a secret ${name} in "${tenant.id}".`);
      return c.json({ ok: true, name });
    },
  );

  const egressState = async (tenant: string) => {
    const rules = await registry.listEgress(tenant);
    return {
      allow: rules.filter((r) => r.status === 'allowed').map((r) => r.host),
      pending: rules.filter((r) => r.status === 'proposed').map((r) => ({ host: r.host, reason: r.reason, proposedAt: r.createdAt })),
    };
  };

  api.get('/tenants/:id/egress', requireRole('viewer', 'reading the egress allowlist'), async function getEgress(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    return c.json(await egressState(tenant.id));
  });

  api.put('/tenants/:id/egress', audited('egress.set'), requireRole('editor', 'changing the egress allowlist'), async function putEgress(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const body = await readBody(c, egressAllowlist, {
      hint: 'Send {"allow": ["api.example.com", "*.example.org", "api.example.net:8443"]}: the whole allowlist.',
    });
    const hosts = [...new Set(body.allow.map(checkEgressEntry))];
    await registry.setEgressAllowlist(tenant.id, hosts);
    platform.egress.forget(tenant.id);
    c.var.logger.info({ tenant: tenant.id, allow: hosts }, 'egress allowlist replaced');
    return c.json(await egressState(tenant.id));
  });

  api.delete(
    '/tenants/:id/egress/proposals/:host',
    audited('egress.dismiss', { target: 'host' }),
    requireRole('editor', 'dismissing an egress proposal'),
    async function dismissProposal(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      const host = checkEgressEntry(c.req.param('host'));
      if (!(await registry.dismissEgressProposal(tenant.id, host))) throw new TesseraError('NOT_FOUND', `No pending proposal for ${host} in "${tenant.id}".`);
      return c.json(await egressState(tenant.id));
    },
  );

  return api;
}
