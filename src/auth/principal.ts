/**
 * Who a request acts for, and the secrets that prove it. Every secret is stored as its sha256 only;
 * TESSERA_TOKEN is compared in constant time and never stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role, UserRecord } from '../registry/index.ts';

/** Who a request acts for. `admin` may do everything. */
export interface Principal {
  user: UserRecord;
  /** How the request proved it: a session cookie, an API token, or TESSERA_TOKEN; `agent` for the agent acting for its user. */
  via: 'session' | 'api-token' | 'tessera-token' | 'agent';
}

export interface SignedIn {
  session: string;
  user: UserRecord;
  maxAgeSeconds: number;
}

/** An account at an identity provider, as the OIDC sign-in saw it. */
export interface ExternalIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  preferredUsername: string | null;
}

/** What adding a member did: changed a member's role (or an admin added directly), or sent an invitation. */
export type MemberChange = { userId: string; role: Role } | { invited: string; role: Role };

/** The built-in administrator TESSERA_TOKEN acts as (not a row: the token is configuration). */
export const TOKEN_ADMIN: UserRecord = {
  id: 'admin',
  name: 'admin (TESSERA_TOKEN)',
  admin: true,
  createdAt: new Date(0).toISOString(),
  email: null,
  hasPassword: false,
  oidc: false,
};

/** User ids: what people type in `tessera members add`, so short and plain. */
export const USER_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Constant-time comparison of two secrets of any length (their digests have one length). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The addresses an invitation to `user` may carry: their id and their email. */
export function addressesOf(user: UserRecord): string[] {
  return user.email ? [user.id, user.email.toLowerCase()] : [user.id];
}
