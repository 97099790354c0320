/**
 * The control plane's door: `platform.auth`. One object for the server to call, made of the parts
 * that do the work: sessions.ts (sign-in, who calls), sign-in-throttle.ts, api-tokens.ts, users.ts
 * (accounts, for admins) and members.ts (roles in projects, invitations).
 */
import type { AuditLog } from '../audit/index.ts';
import type { Logger } from '../log.ts';
import type {
  CredentialKind,
  CredentialRecord,
  CredentialStore,
  InvitationRecord,
  InvitationStore,
  MembershipStore,
  Role,
  UserRecord,
  UserStore,
} from '../registry/index.ts';
import { ApiTokens } from './api-tokens.ts';
import { ProjectMembers } from './members.ts';
import type { ExternalIdentity, MemberChange, Principal, SignedIn } from './principal.ts';
import { Sessions } from './sessions.ts';
import { SignInThrottle } from './sign-in-throttle.ts';
import { UserAccounts } from './users.ts';

export class AuthService {
  private readonly throttles = new SignInThrottle();
  private readonly sessions: Sessions;
  private readonly apiTokens: ApiTokens;
  private readonly users: UserAccounts;
  private readonly members: ProjectMembers;

  constructor(deps: { registry: UserStore & CredentialStore & MembershipStore & InvitationStore; fixedToken?: string; logger: Logger; audit: AuditLog }) {
    this.sessions = new Sessions({ ...deps, throttle: this.throttles });
    this.apiTokens = new ApiTokens(deps);
    this.users = new UserAccounts({ registry: deps.registry, createSignInLink: (userId) => this.sessions.createSignInLink(userId) });
    this.members = new ProjectMembers(deps);
  }

  // ---- signing in, and who calls ----

  /** On first start with no users: the owner and a one-time sign-in link; null when users exist. */
  bootstrap(): Promise<{ user: UserRecord; linkToken: string } | null> {
    return this.sessions.bootstrap();
  }

  createSignInLink(userId: string): Promise<string> {
    return this.sessions.createSignInLink(userId);
  }

  /** Throws TOO_MANY_ATTEMPTS for a client that failed to sign in 10 times within a minute. */
  throttle(client: string): void {
    this.throttles.check(client);
  }

  /** Counts a failed sign-in of a client towards its throttle. */
  failedAttempt(client: string): void {
    this.throttles.failed(client);
  }

  signIn(token: string, client: string, kinds?: CredentialKind[]): Promise<SignedIn> {
    return this.sessions.signIn(token, client, kinds);
  }

  userOfUrlToken(token: string, client: string): Promise<UserRecord> {
    return this.sessions.userOfUrlToken(token, client);
  }

  signInWithPassword(login: string, password: string, client: string): Promise<SignedIn> {
    return this.sessions.signInWithPassword(login, password, client);
  }

  signInExternal(identity: ExternalIdentity): Promise<SignedIn> {
    return this.sessions.signInExternal(identity);
  }

  changePassword(userId: string, current: unknown, next: unknown): Promise<void> {
    return this.sessions.changePassword(userId, current, next);
  }

  signOut(session: string): Promise<void> {
    return this.sessions.signOut(session);
  }

  /** The principal of a request's credential, or null: a session cookie, or a bearer token. */
  authenticate(credential: { session?: string; bearer?: string }): Promise<Principal | null> {
    return this.sessions.authenticate(credential);
  }

  // ---- API tokens ----

  createApiToken(userId: string, name: string): Promise<{ id: number; name: string; token: string }> {
    return this.apiTokens.create(userId, name);
  }

  listApiTokens(userId: string): Promise<CredentialRecord[]> {
    return this.apiTokens.list(userId);
  }

  revokeApiToken(userId: string, id: number): Promise<void> {
    return this.apiTokens.revoke(userId, id);
  }

  // ---- users (admins) ----

  createUser(input: {
    id?: unknown;
    name?: unknown;
    email?: unknown;
    admin?: unknown;
    password?: unknown;
  }): Promise<{ user: UserRecord; signInToken: string }> {
    return this.users.create(input);
  }

  updateUser(id: string, patch: { name?: unknown; email?: unknown; admin?: unknown }, by: Principal): Promise<UserRecord> {
    return this.users.update(id, patch, by);
  }

  deleteUser(id: string, by: Principal): Promise<void> {
    return this.users.remove(id, by);
  }

  listUsers(): Promise<UserRecord[]> {
    return this.users.list();
  }

  // ---- roles, members, invitations ----

  roleIn(principal: Principal, tenant: string): Promise<Role | null> {
    return this.members.roleIn(principal, tenant);
  }

  /** Throws FORBIDDEN unless the principal has at least `needed` in the project. */
  requireRole(principal: Principal, tenant: string, needed: Role, doing: string): Promise<Role> {
    return this.members.requireRole(principal, tenant, needed, doing);
  }

  setMember(tenant: string, who: unknown, role: unknown, by: Principal, direct = false): Promise<MemberChange> {
    return this.members.setMember(tenant, who, role, by, direct);
  }

  invitationsOf(user: UserRecord): Promise<InvitationRecord[]> {
    return this.members.invitationsOf(user);
  }

  acceptInvitation(user: UserRecord, id: string): Promise<InvitationRecord> {
    return this.members.acceptInvitation(user, id);
  }

  declineInvitation(user: UserRecord, id: string): Promise<InvitationRecord> {
    return this.members.declineInvitation(user, id);
  }

  removeMember(tenant: string, who: string): Promise<void> {
    return this.members.removeMember(tenant, who);
  }
}
