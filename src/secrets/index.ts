/**
 * Tenant secrets: set, listed by name, deleted by people (never the model); sealed at rest; handed
 * to that tenant's functions only; masked wherever a function's output is shown.
 */
import { z } from 'zod';
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { SealedSecretStore } from '../registry/index.ts';
import { open, seal } from './seal.ts';

export { loadSecretKey, parseKey, KEY_FILE } from './key.ts';

export const secretNameSchema = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'must be UPPER_SNAKE_CASE: letters A-Z, digits and underscores, not starting with a digit, at most 64 characters');
export const MAX_SECRET_BYTES = 64 * 1024;
/** Shorter values are not masked: masking "1" would blank every digit 1 in every log line. */
export const MIN_MASKED_LENGTH = 4;
/** How long a process trusts its copy of a tenant's secrets (another replica may have changed them). */
const CACHE_MS = 10_000;

export interface TenantSecrets {
  /** Changes whenever a value changes: sandboxes that have an older version get the new values. */
  version: string;
  values: Readonly<Record<string, string>>;
}

export function checkSecretName(name: unknown): string {
  const parsed = secretNameSchema.safeParse(name);
  if (!parsed.success) throw new TesseraError('INVALID_NAME', `Secret name ${JSON.stringify(name)} ${parsed.error.issues[0]!.message}, e.g. STRIPE_API_KEY.`);
  return parsed.data;
}

export class SecretStore {
  private readonly cache = new Map<string, { at: number; secrets: Promise<TenantSecrets> }>();

  constructor(private readonly deps: { registry: SealedSecretStore; key: Buffer; logger?: Logger }) {}

  async set(tenant: string, name: string, value: unknown): Promise<void> {
    checkSecretName(name);
    if (typeof value !== 'string') throw new TesseraError('INVALID_ARGUMENTS', 'A secret\'s value is a string: send {"value": "..."}.');
    if (Buffer.byteLength(value) > MAX_SECRET_BYTES) throw new TesseraError('PAYLOAD_TOO_LARGE', `A secret's value is at most ${MAX_SECRET_BYTES} bytes.`);
    await this.deps.registry.putSecret(tenant, name, seal(this.deps.key, `${tenant}/${name}`, value));
    this.cache.delete(tenant);
  }

  async delete(tenant: string, name: string): Promise<void> {
    checkSecretName(name);
    if (!(await this.deps.registry.deleteSecret(tenant, name))) throw new TesseraError('NOT_FOUND', `"${tenant}" has no secret ${name}.`);
    this.cache.delete(tenant);
  }

  list(tenant: string): Promise<Array<{ name: string; updatedAt: string }>> {
    return this.deps.registry.listSecrets(tenant);
  }

  /** The tenant's secrets in clear, for its own sandbox only. */
  values(tenant: string): Promise<TenantSecrets> {
    const cached = this.cache.get(tenant);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.secrets;
    const secrets = this.load(tenant);
    this.cache.set(tenant, { at: Date.now(), secrets });
    secrets.catch(() => this.cache.delete(tenant));
    return secrets;
  }

  /** Forgets the cached copy (after a change made elsewhere, or a tenant deleted). */
  forget(tenant: string): void {
    this.cache.delete(tenant);
  }

  private async load(tenant: string): Promise<TenantSecrets> {
    const rows = await this.deps.registry.sealedSecrets(tenant);
    const values: Record<string, string> = {};
    for (const row of rows) {
      try {
        values[row.name] = open(this.deps.key, `${tenant}/${row.name}`, row.sealed);
      } catch {
        // Sealed with another key (TESSERA_SECRET_KEY changed) or tampered with: absent, said loudly.
        this.deps.logger?.error({ tenant, secret: row.name }, 'a tenant secret cannot be decrypted with this key; set it again');
      }
    }
    return { version: rows.map((r) => `${r.name}@${r.updatedAt}`).join(',') || 'none', values };
  }
}

/** Replaces every secret value (of at least MIN_MASKED_LENGTH characters) in `text` with `[secret NAME]`. */
export function maskSecrets(text: string, values: Readonly<Record<string, string>>): string {
  let out = text;
  // Longest first, so a value that contains another is masked whole.
  for (const [name, value] of Object.entries(values).sort((a, b) => b[1].length - a[1].length)) {
    if (value.length >= MIN_MASKED_LENGTH && out.includes(value)) out = out.split(value).join(`[secret ${name}]`);
  }
  return out;
}
