/**
 * `@tessera/ui`: useUser, and the one record of who is signed in that SignIn, SignUp, UserMenu and
 * the app shell share. The session cookie is HttpOnly, so the page learns who is signed in only by
 * asking `GET /_tessera/auth/me`: once per page (on the first subscriber), and the kit's own forms
 * update the record after signing in, up or out instead of asking again.
 */
import { useSyncExternalStore } from 'react';
import { RELOAD_EVENT } from './form.tsx';

/** An app user, as the app origin's `/_tessera/auth/*` routes answer it. */
export interface AppUser {
  id: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
}

interface UserState {
  user: AppUser | null;
  /** True until the first answer of `/_tessera/auth/me` (and always on the server). */
  loading: boolean;
}

export interface UseUserResult extends UserState {
  /** Ends the session on the server (it is revoked there, not only forgotten here). */
  signOut(): Promise<void>;
  /** Asks the server again who is signed in. */
  refresh(): Promise<AppUser | null>;
}

const SERVER_STATE: UserState = { user: null, loading: true };
let state: UserState = SERVER_STATE;
const listeners = new Set<() => void>();
let asked = false;
/** Bumped by every change: an answer of `me` that was asked before a sign-in must not undo it. */
let generation = 0;

function publish(next: UserState): void {
  state = next;
  for (const listener of listeners) listener();
}

/** Records who is signed in now (after a sign-in, a sign-up or a sign-out) and lets the page's data refetch as them. */
export function setSignedInUser(user: AppUser | null): void {
  generation += 1;
  publish({ user, loading: false });
  window.dispatchEvent(new Event(RELOAD_EVENT));
}

async function refresh(): Promise<AppUser | null> {
  const asOf = ++generation;
  let user: AppUser | null = null;
  try {
    const res = await fetch('/_tessera/auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (res.ok) user = ((await res.json()) as { user?: AppUser }).user ?? null;
  } catch {
    // Offline or the platform unreachable: nobody is known to be signed in.
  }
  if (asOf === generation) publish({ user, loading: false });
  return asOf === generation ? user : state.user;
}

async function signOut(): Promise<void> {
  // The platform's auth writes are JSON only, signout included.
  const res = await fetch('/_tessera/auth/signout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
  });
  if (!res.ok) throw new Error(`Signing out failed (${res.status}).`);
  setSignedInUser(null);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!asked) {
    asked = true;
    void refresh();
  }
  return () => listeners.delete(listener);
}

/** `{ user /* or null *\/, loading, signOut, refresh }`: the signed-in app user, shared by every component of the page. */
export function useUser(): UseUserResult {
  const current = useSyncExternalStore(
    subscribe,
    () => state,
    () => SERVER_STATE,
  );
  return { ...current, signOut, refresh };
}

/**
 * Where to go after signing in: a path of this app only (`/notes?x=1`), never another origin
 * (`//evil.example`, `/\evil.example`, `https://...`, or one the URL parser would turn into those by
 * dropping a tab or a newline), so a crafted `?next=` cannot send a visitor away. Pure: safe while rendering.
 */
export function sameOriginPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2000 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  return /[\u0000-\u001f\u007f]/.test(value) ? null : value;
}

/** The `?next=` of the current address, when it is a path of this app. */
export function nextFromAddress(): string | null {
  return sameOriginPath(new URLSearchParams(window.location.search).get('next'));
}

/** Goes to a path of this app the way the app shell's links do (no page load). */
export function goTo(path: string): void {
  const url = new URL(path, window.location.href);
  if (url.origin !== window.location.origin || url.href === window.location.href) return;
  // The platform's own paths are pages of the server, not routes of the shell.
  if (/^\/(api|_tessera)(\/|$)/.test(url.pathname)) {
    window.location.assign(url.href);
    return;
  }
  window.history.pushState(null, '', url.href);
  window.dispatchEvent(new Event('tessera:navigate'));
  window.scrollTo(0, 0);
}
