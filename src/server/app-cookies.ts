/**
 * The session cookie of an app's own users, on the app's origin. Host-only (no Domain), HttpOnly,
 * SameSite=Lax (a link from elsewhere into the app arrives signed in), Path=/. Over HTTPS it is
 * `__Host-tessera_app_session`: Secure, and a cookie of that name can only have been set by this very
 * host, so a sibling app cannot plant one (cookie tossing); over HTTP, two cookies of the name (a
 * planted one beside the real one) mean no session. Its name differs from the builder's
 * (`tessera_session`), and it is taken out of every request a function of the app receives, as is
 * the draft origin's preview grant (`tessera_preview`, preview-grants.ts); a function sets neither.
 */
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { overHttps } from './cookies.ts';

export const APP_SESSION_COOKIE = 'tessera_app_session';
const SECURE_NAME = `__Host-${APP_SESSION_COOKIE}`;
/** The draft origin's preview grant (preview-grants.ts): the platform's too, never the app's. */
export const PREVIEW_COOKIE = 'tessera_preview';
export const PREVIEW_COOKIE_SECURE = `__Host-${PREVIEW_COOKIE}`;

const PREVIEW_NAMES = new Set([PREVIEW_COOKIE, PREVIEW_COOKIE_SECURE]);
/** Every cookie of the platform's on an app's origin: what a function never receives nor sets. */
const PLATFORM_NAMES = new Set([APP_SESSION_COOKIE, SECURE_NAME, ...PREVIEW_NAMES]);
const PLATFORM_NAMES_LOWER = new Set([...PLATFORM_NAMES].map((name) => name.toLowerCase()));

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
 * A Cookie header without the platform's cookies, or null when nothing else is left. `all` (the app
 * session and the preview grant) is what a function of the app receives, so that generated code can
 * never read, log or replay a user's session or a preview grant; `preview` is what the draft origin's
 * own routes see once the grant was checked (its app-user routes read the app session).
 */
export function withoutPlatformCookies(cookieHeader: string, which: 'all' | 'preview' = 'all'): string | null {
  const names = which === 'all' ? PLATFORM_NAMES : PREVIEW_NAMES;
  const kept = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .filter((part) => {
      if (!part) return false;
      const name = part.slice(0, part.indexOf('=') < 0 ? part.length : part.indexOf('=')).trim();
      return !names.has(name);
    });
  return kept.length ? kept.join('; ') : null;
}

/**
 * Removes from a function's answer any Set-Cookie of the platform's (the app session or the preview
 * grant, either name, any case): a function that could set the session could sign its visitors in as
 * an account of its author's choosing (session fixation), and the grant is the platform's to give.
 * Other cookies of the app pass.
 */
export function dropPlatformCookies(headers: Headers): Headers {
  const cookies = headers.getSetCookie();
  const isPlatforms = (line: string): boolean => {
    const name = line
      .slice(0, line.indexOf('=') < 0 ? line.length : line.indexOf('='))
      .trim()
      .toLowerCase();
    return PLATFORM_NAMES_LOWER.has(name);
  };
  if (!cookies.some(isPlatforms)) return headers;
  headers.delete('set-cookie');
  for (const line of cookies) if (!isPlatforms(line)) headers.append('set-cookie', line);
  return headers;
}
