/**
 * `@tessera/auth` inside the sandbox: `await auth.user(context)` is the app's signed-in user of the
 * call whose `context` it is, or null. The platform resolved the user from the app session before
 * the call (the sandbox never sees the cookie) and sent it beside the request, not in it: no header
 * a client sends can make a function believe someone is signed in.
 */
import type { SandboxUser } from '../protocol.ts';

/** Each call's context object (made by invoke.ts) to its user; a context the platform did not make has none. */
const users = new WeakMap<object, Readonly<SandboxUser> | null>();
// Bound now, before tenant code runs: a function (or a package it bundles) that replaces
// WeakMap.prototype's methods later cannot make another call of the app see a user of its choosing.
const usersGet = Function.prototype.call.bind(WeakMap.prototype.get) as (map: typeof users, key: object) => Readonly<SandboxUser> | null | undefined;
const usersHas = Function.prototype.call.bind(WeakMap.prototype.has) as (map: typeof users, key: object) => boolean;
const usersSet = Function.prototype.call.bind(WeakMap.prototype.set) as (map: typeof users, key: object, value: Readonly<SandboxUser> | null) => void;
const freeze = Object.freeze;

/** Ties a call's `context` to its user (invoke.ts, before the function sees the context). */
export function bindUser(context: object, user: SandboxUser | null): void {
  usersSet(users, context, user ? freeze({ id: user.id, email: user.email, name: user.name, role: user.role }) : null);
}

export function createAuthModule(): Readonly<Record<string, unknown>> {
  const user = async (context: unknown): Promise<Readonly<SandboxUser> | null> => {
    if (context === null || typeof context !== 'object' || !usersHas(users, context))
      throw new TypeError(
        'auth.user(context): pass the context your function was called with, e.g. `module.exports = async (context) => { const me = await auth.user(context); ... }`',
      );
    const found = usersGet(users, context) ?? null;
    return found ? { ...found } : null;
  };
  const mod: Record<string, unknown> = { user };
  mod.default = mod;
  mod.__esModule = true;
  return Object.freeze(mod);
}
