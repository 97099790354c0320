import { readSecretFile } from './secret-files.ts';

/*
 * `@tessera/secrets` on Fission: a tenant secret is a key of the tenant's Kubernetes Secret,
 * mounted by Fission at /secrets/<namespace>/<name>/<key>, exactly where Tessera's own runtime
 * reads it from inside its sandbox.
 */
declare const __TESSERA_APP_SECRET__: { namespace: string; name: string };

export function secret(key: unknown): string {
  if (typeof key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new TypeError('secret(name): name must be an identifier such as "STRIPE_KEY"');
  return readSecretFile(__TESSERA_APP_SECRET__.namespace, __TESSERA_APP_SECRET__.name, key);
}

export default { secret };
