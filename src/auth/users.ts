/** User accounts, as admins manage them. */
import { TesseraError } from '../errors.ts';
import type { MembershipStore, UserRecord, UserStore } from '../registry/index.ts';
import { checkPasswordStrength, hashPassword } from './passwords.ts';
import { EMAIL, TOKEN_ADMIN, USER_ID, type Principal } from './principal.ts';

function checkUserId(id: unknown): string {
  if (typeof id !== 'string' || !USER_ID.test(id))
    throw new TesseraError(
      'INVALID_ARGUMENTS',
      'A user id is 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "ada" or "ada.lovelace").',
    );
  if (id === TOKEN_ADMIN.id) throw new TesseraError('INVALID_ARGUMENTS', `"${id}" is reserved for TESSERA_TOKEN.`);
  return id;
}

function checkEmail(email: unknown): string | null {
  if (email === undefined || email === null || email === '') return null;
  if (typeof email !== 'string' || !EMAIL.test(email) || email.length > 254)
    throw new TesseraError('INVALID_ARGUMENTS', `"${String(email)}" is not an email address.`);
  return email.toLowerCase();
}

export class UserAccounts {
  constructor(private readonly deps: { registry: UserStore & MembershipStore; createSignInLink: (userId: string) => Promise<string> }) {}

  /** A new user, with a one-time sign-in link to hand them (and a password when one is given). */
  async create(input: {
    id?: unknown;
    name?: unknown;
    email?: unknown;
    admin?: unknown;
    password?: unknown;
  }): Promise<{ user: UserRecord; signInToken: string }> {
    const id = checkUserId(input.id);
    const email = checkEmail(input.email);
    const name = typeof input.name === 'string' && input.name.trim() ? input.name.trim().slice(0, 100) : id;
    const passwordHash =
      input.password === undefined || input.password === null || input.password === '' ? null : await hashPassword(checkPasswordStrength(input.password));
    await this.deps.registry.addUser({ id, name, email, admin: input.admin === true, passwordHash });
    return { user: (await this.deps.registry.getUser(id))!, signInToken: await this.deps.createSignInLink(id) };
  }

  async update(id: string, patch: { name?: unknown; email?: unknown; admin?: unknown }, by: Principal): Promise<UserRecord> {
    if (patch.admin === false && id === by.user.id) throw new TesseraError('FORBIDDEN', 'You cannot take your own admin role: another admin has to.');
    const changes: { name?: string; email?: string | null; admin?: boolean } = {};
    if (typeof patch.name === 'string' && patch.name.trim()) changes.name = patch.name.trim().slice(0, 100);
    if (patch.email !== undefined) changes.email = checkEmail(patch.email);
    if (typeof patch.admin === 'boolean') changes.admin = patch.admin;
    if (!(await this.deps.registry.updateUser(id, changes))) throw new TesseraError('USER_NOT_FOUND', `No user "${id}".`);
    return (await this.deps.registry.getUser(id))!;
  }

  /** Deletes a user: every session and token of theirs stops working at once. */
  async remove(id: string, by: Principal): Promise<void> {
    if (id === by.user.id) throw new TesseraError('FORBIDDEN', 'You cannot delete yourself: another admin has to.');
    const owned = (await this.deps.registry.membershipsOf(id)).filter((m) => m.role === 'owner');
    for (const { tenant } of owned) {
      if ((await this.deps.registry.listMembers(tenant)).filter((m) => m.role === 'owner').length === 1) {
        throw new TesseraError('LAST_OWNER', `"${id}" is the only owner of project "${tenant}": make someone else its owner first.`);
      }
    }
    if (!(await this.deps.registry.removeUser(id))) throw new TesseraError('USER_NOT_FOUND', `No user "${id}".`);
  }

  list(): Promise<UserRecord[]> {
    return this.deps.registry.listUsers();
  }
}
