/** Personal API tokens: shown once when made, kept as their sha256 only. */
import { TesseraError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { CredentialRecord, CredentialStore } from '../registry/index.ts';
import { newSecret, sha256 } from './principal.ts';

export class ApiTokens {
  constructor(private readonly deps: { registry: CredentialStore; logger: Logger }) {}

  /** A new personal API token, returned once; only its hash is kept. */
  async create(userId: string, name: string): Promise<{ id: number; name: string; token: string }> {
    const clean = name.trim().slice(0, 100);
    if (!clean) throw new TesseraError('INVALID_ARGUMENTS', 'Give the token a name, e.g. {"name": "laptop CLI"}.');
    const token = newSecret('tsk');
    const id = await this.deps.registry.addCredential({ kind: 'api-token', userId, name: clean, secretHash: sha256(token) });
    this.deps.logger.info({ user: userId, token: id }, 'API token created');
    return { id, name: clean, token };
  }

  list(userId: string): Promise<CredentialRecord[]> {
    return this.deps.registry.listCredentials(userId, 'api-token');
  }

  async revoke(userId: string, id: number): Promise<void> {
    if (!(await this.deps.registry.revokeCredential(userId, { id }))) throw new TesseraError('NOT_FOUND', `You have no API token ${id}.`);
    this.deps.logger.info({ user: userId, token: id }, 'API token revoked');
  }
}
