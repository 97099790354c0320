/**
 * The session cookie of an app's own users, on the app's origin. Host-only (no Domain), HttpOnly,
 * SameSite=Lax (a link from elsewhere into the app arrives signed in), Path=/. Over HTTPS it is
 * `__Host-tessera_app_session`: Secure, and a cookie of that name can only have been set by this very
 * host, so a sibling app cannot plant one (cookie tossing); over HTTP, two cookies of the name (a
 * planted one beside the real one) mean no session. Its name differs from the builder's
 * (`tessera_session`), and it is taken out of every request a function of the app receives.
 */
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { overHttps } from './cookies.ts';

export const APP_SESSION_COOKIE = 'tessera_app_session';
const SECURE_NAME = `__Host-${APP_SESSION_COOKIE}`;

const cookieName = (c: Context): string => (overHttps(c) ? SECURE_NAME : APP_SESSION_COOKIE);

/** The app session the browser holds, or undefined (none, or the name twice). */
export function readAppSession(c: Context): string | undefined {
  const name = cookieName(c);
  const values: string[] = [];
  for (const part of (c.req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  if (values.length !== 1) return undefined;
  try {
    return decodeURIComponent(values[0]!);
  } catch {
    return undefined;
  }
}

export function writeAppSession(c: Context, session: string, maxAgeSeconds: number): void {
  setCookie(c, cookieName(c), session, { httpOnly: true, sameSite: 'Lax', secure: overHttps(c), path: '/', maxAge: maxAgeSeconds });
}

export function clearAppSession(c: Context): void {
  deleteCookie(c, cookieName(c), { path: '/', secure: overHttps(c), httpOnly: true, sameSite: 'Lax' });
}

/**
 * A Cookie header without the app session (either name), or null when nothing else is left: what a
 * function of the app receives, so that generated code can never read, log or replay a user's session.
 */
export function withoutAppSession(cookieHeader: string): string | null {
  const kept = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .filter((part) => {
      if (!part) return false;
      const name = part.slice(0, part.indexOf('=') < 0 ? part.length : part.indexOf('=')).trim();
      return name !== APP_SESSION_COOKIE && name !== SECURE_NAME;
    });
  return kept.length ? kept.join('; ') : null;
}

/**
 * Removes from a function's answer any Set-Cookie of the app session (either name, any case): a
 * function that could set it could sign its visitors in as an account of its author's choosing
 * (session fixation). Other cookies of the app pass.
 */
export function dropAppSessionCookies(headers: Headers): Headers {
  const cookies = headers.getSetCookie();
  const isSession = (line: string): boolean => {
    const name = line
      .slice(0, line.indexOf('=') < 0 ? line.length : line.indexOf('='))
      .trim()
      .toLowerCase();
    return name === APP_SESSION_COOKIE || name === SECURE_NAME.toLowerCase();
  };
  if (!cookies.some(isSession)) return headers;
  headers.delete('set-cookie');
  for (const line of cookies) if (!isSession(line)) headers.append('set-cookie', line);
  return headers;
}
