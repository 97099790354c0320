/**
 * Who calls the control plane and what they may do. `AuthService` (service.ts) is `platform.auth`;
 * the parts it is made of live beside it.
 */
export { AuthService } from './service.ts';
export { sameSecret, type ExternalIdentity, type MemberChange, type Principal, type SignedIn } from './principal.ts';
export { SIGN_IN_ATTEMPTS_PER_MINUTE } from './sign-in-throttle.ts';
export { atLeast, isRole, ROLE_ABILITIES, ROLES, TOOL_CALL, type Role } from './roles.ts';
export { enforceProjectPolicy, type ProjectPolicy } from './project-policy.ts';
export { OidcSignIn, type OidcSettings, type PendingSignIn } from './oidc.ts';
// What app users' sign-in (app-users/) shares with the builder's: the same hashing, secrets and throttle windows.
export { DUMMY_HASH, hashPassword, PASSWORD_MAX, verifyPassword } from './passwords.ts';
export { EMAIL, newSecret, sha256 } from './principal.ts';
export { AttemptWindows } from './throttle.ts';

export const SESSION_COOKIE = 'tessera_session';
