/**
 * The people who use a generated app (not the builder's users): `AppUsers` (service.ts) is
 * `platform.appUsers`; their accounts, sessions and reset tokens live in the registry, where tenant
 * SQL cannot read them. See docs/app-users.md.
 */
export {
  APP_PASSWORD_MIN,
  APP_SESSION_TTL_MS,
  APP_SIGN_IN_ATTEMPTS_PER_MINUTE,
  AppUsers,
  publicAppUser,
  RESET_TTL_MS,
  type AppSignedIn,
  type AppUser,
} from './service.ts';
