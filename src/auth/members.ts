/** Roles in projects: who is a member with which role, and invitations to join. */
import { TesseraError } from '../errors.ts';
import type { InvitationRecord, InvitationStore, MembershipStore, Role, UserRecord, UserStore } from '../registry/index.ts';
import { addressesOf, EMAIL, TOKEN_ADMIN, USER_ID, type MemberChange, type Principal } from './principal.ts';
import { atLeast, isRole, ROLE_ABILITIES } from './roles.ts';

export class ProjectMembers {
  constructor(private readonly deps: { registry: UserStore & MembershipStore & InvitationStore }) {}

  /** A principal's role in a project: admins are owners everywhere; others by membership. */
  async roleIn(principal: Principal, tenant: string): Promise<Role | null> {
    if (principal.user.admin) return 'owner';
    return this.deps.registry.roleOf(tenant, principal.user.id);
  }

  /** Throws FORBIDDEN unless the principal has at least `needed` in the project. */
  async requireRole(principal: Principal, tenant: string, needed: Role, doing: string): Promise<Role> {
    const role = await this.roleIn(principal, tenant);
    if (atLeast(role, needed)) return role!;
    if (!role) throw new TesseraError('FORBIDDEN', `You (${principal.user.id}) are not a member of project "${tenant}". An owner of it can add you.`);
    throw new TesseraError(
      'FORBIDDEN',
      `You are ${role === 'editor' ? 'an' : 'a'} ${role} of "${tenant}": ${doing} needs ${needed} (${needed}s ${ROLE_ABILITIES[needed]}). Ask an owner of the project.`,
      { details: { role, needed } },
    );
  }

  /**
   * Adds someone to a project, or changes a member's role (at once). Anyone not yet a member gets an
   * invitation, addressed to the id or email as typed whether or not such an account exists, and the
   * answer is the same either way: it tells nobody who has an account here, and nobody lands in a
   * project without saying yes. An admin may add an existing account directly (`direct`).
   */
  async setMember(tenant: string, who: unknown, role: unknown, by: Principal, direct = false): Promise<MemberChange> {
    if (!isRole(role)) throw new TesseraError('INVALID_ARGUMENTS', 'A role is "owner", "editor" or "viewer".');
    if (typeof who !== 'string' || !who.trim()) throw new TesseraError('INVALID_ARGUMENTS', 'Name the member by user id or email.');
    const key = who.trim().toLowerCase();
    if (!(USER_ID.test(key) || (EMAIL.test(key) && key.length <= 254)))
      throw new TesseraError('INVALID_ARGUMENTS', `"${who}" is neither a user id nor an email address.`);
    if (direct && !by.user.admin) throw new TesseraError('FORBIDDEN', 'Only an admin may add a member directly; others invite (leave out "direct").');
    const user = key.includes('@') ? await this.deps.registry.findUser({ email: key }) : await this.deps.registry.getUser(key);
    // Looked up for every name, account or not, so both answers take the same queries.
    const current = await this.deps.registry.roleOf(tenant, user?.id ?? key);
    if ((user && current) || direct) {
      if (!user || user.id === TOKEN_ADMIN.id)
        throw new TesseraError(
          'USER_NOT_FOUND',
          `No user "${who}": an admin creates the account first (Users, or \`tessera users add\`), or they sign in once with the identity provider.`,
        );
      if (role !== 'owner') await this.keepAnOwner(tenant, user.id);
      await this.deps.registry.setMembership(tenant, user.id, role);
      return { userId: user.id, role };
    }
    await this.deps.registry.invite(tenant, key, role, by.user.id);
    return { invited: key, role };
  }

  /** Invitations waiting for this user's answer. */
  invitationsOf(user: UserRecord): Promise<InvitationRecord[]> {
    return this.deps.registry.invitationsFor(addressesOf(user));
  }

  /** Accepts an invitation of the user's: the project appears in their list with the invited role. */
  async acceptInvitation(user: UserRecord, id: string): Promise<InvitationRecord> {
    const accepted = await this.deps.registry.acceptInvitation(id, addressesOf(user), user.id);
    if (!accepted) throw new TesseraError('NOT_FOUND', `You have no invitation "${id}" (it may have been withdrawn, or answered already).`);
    return accepted;
  }

  async declineInvitation(user: UserRecord, id: string): Promise<InvitationRecord> {
    const declined = await this.deps.registry.removeInvitation(id, { addresses: addressesOf(user) });
    if (!declined) throw new TesseraError('NOT_FOUND', `You have no invitation "${id}" (it may have been withdrawn, or answered already).`);
    return declined;
  }

  /** Removes a member, or withdraws the invitation addressed to that id or email. */
  async removeMember(tenant: string, who: string): Promise<void> {
    await this.keepAnOwner(tenant, who);
    if (await this.deps.registry.removeMembership(tenant, who)) return;
    if (await this.deps.registry.withdrawInvitation(tenant, who.trim().toLowerCase())) return;
    throw new TesseraError('NOT_FOUND', `"${who}" is neither a member of "${tenant}" nor invited to it.`);
  }

  private async keepAnOwner(tenant: string, leaving: string): Promise<void> {
    const owners = (await this.deps.registry.listMembers(tenant)).filter((m) => m.role === 'owner');
    if (owners.length === 1 && owners[0]!.userId === leaving)
      throw new TesseraError('LAST_OWNER', `"${leaving}" is the only owner of "${tenant}": make someone else owner first.`);
  }
}
