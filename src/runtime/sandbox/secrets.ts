/**
 * `@tessera/secrets` inside the sandbox: `secret('NAME')` returns the value the app's owner set,
 * or throws naming the missing secret. The values arrive from the platform with the call (only
 * this tenant's, only when they changed); on Fission the same helper reads the mounted Secret files.
 */
let current: Readonly<Record<string, string>> = Object.freeze({});

export function replaceSecrets(values: Record<string, string>): void {
  current = Object.freeze({ ...values });
}

export function createSecretsModule(): Readonly<Record<string, unknown>> {
  const secret = (name: unknown): string => {
    if (typeof name !== 'string' || !/^[A-Z_][A-Z0-9_]{0,63}$/.test(name))
      throw new TypeError(`secret(name): name must be UPPER_SNAKE_CASE, e.g. "STRIPE_API_KEY", not ${JSON.stringify(name)}`);
    const value = current[name];
    if (value === undefined)
      throw new Error(
        `Secret ${name} is not set for this app. Its owner sets it in the builder (Settings, Secrets) or with: tessera secrets set <app> ${name}`,
      );
    return value;
  };
  const has = (name: unknown): boolean => typeof name === 'string' && Object.hasOwn(current, name);
  const mod: Record<string, unknown> = { secret, has };
  mod.default = mod;
  mod.__esModule = true;
  return Object.freeze(mod);
}
