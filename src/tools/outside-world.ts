import { z } from 'zod';
import { checkEgressEntry } from '../egress/index.ts';
import { secretNameSchema } from '../secrets/index.ts';
import { defineTool } from './tool.ts';

/*
 * What the model may do about secrets and outbound network: look at names, ask for a secret, propose
 * a host. It never sees or sets a value and never opens egress itself: a person does both in the
 * builder (or with the API / CLI).
 */

export const listSecrets = defineTool({
  name: 'listSecrets',
  description:
    "The names of this app's secrets (never their values), the secrets you asked for that are not set yet, and the hosts its functions may call (allowed, and your proposals waiting for the owner). In a function: `const { secret } = require('@tessera/secrets'); secret('NAME')`, and plain `fetch(url)` to an allowed host.",
  readOnly: true,
  parameters: z.object({}).strict(),
  async run(_args, { tenant, registry }) {
    const [secrets, requested, egress] = await Promise.all([
      registry.listSecrets(tenant.id),
      registry.listSecretRequests(tenant.id),
      registry.listEgress(tenant.id),
    ]);
    return {
      secrets: secrets.map((s) => s.name),
      requested: requested.map((r) => ({ name: r.name, reason: r.reason })),
      egress: {
        allowed: egress.filter((e) => e.status === 'allowed').map((e) => e.host),
        proposed: egress.filter((e) => e.status === 'proposed').map((e) => e.host),
      },
    };
  },
});

export const requestSecret = defineTool({
  name: 'requestSecret',
  description:
    "Ask the app's owner for a secret the app needs (an API key, a password). You never see or set its value: the builder asks the owner for it. Until it is set, secret('NAME') throws in functions; write code that says so clearly.",
  parameters: z
    .object({
      name: secretNameSchema.describe('UPPER_SNAKE_CASE, e.g. "WEATHER_API_KEY".'),
      reason: z.string().min(3).max(500).describe('What the app needs it for, shown to the owner, e.g. "API key of openweathermap.org for the forecast".'),
    })
    .strict(),
  async run({ name, reason }, { tenant, registry }) {
    if ((await registry.listSecrets(tenant.id)).some((s) => s.name === name)) return { name, status: 'already set' };
    await registry.requestSecret(tenant.id, name, reason);
    return { name, status: 'requested: the owner will be asked for it in the builder' };
  },
});

export const proposeEgress = defineTool({
  name: 'proposeEgress',
  description:
    'Propose a host this app\'s functions need to call with fetch(), e.g. "api.openweathermap.org" (add ":port" for a port other than 80/443). It takes effect only after the owner approves it in the builder; until then fetch() to it fails with "not on this app\'s egress allowlist". Private and loopback addresses are never reachable.',
  parameters: z
    .object({
      host: z.string().min(1).max(260).describe('Host name, optionally "*." in front or ":port" after.'),
      reason: z.string().min(3).max(500).describe('Why the app needs it, shown to the owner.'),
    })
    .strict(),
  async run({ host, reason }, { tenant, registry }) {
    const entry = checkEgressEntry(host);
    const status = await registry.proposeEgress(tenant.id, entry, reason);
    return { host: entry, status: status === 'already-allowed' ? 'already allowed' : "proposed: waiting for the owner's approval in the builder" };
  },
});
