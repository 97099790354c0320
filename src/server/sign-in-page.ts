/**
 * Signing a browser in from a link: `GET /?token=<token>` and its confirmation, `POST /sign-in`.
 *
 * Login CSRF: any page (a generated app's included) can navigate the builder's browser to
 * `/?token=<its author's link>`, which would sign the victim into the attacker's account; what the
 * victim then builds belongs to the attacker. So a link signs in silently only when the browser says
 * the navigation was the person's own: `Sec-Fetch-Site: none` (typed, pasted, a bookmark, opened
 * from another application such as a terminal) or `same-origin` (the builder's own pages). Anything
 * else (cross-site, same-site, or no Sec-Fetch-Site at all, as from browsers too old to send it) gets
 * a page naming the account, whose button signs in by a same-origin POST. A session already in the
 * browser for someone else is never replaced without that click either.
 *
 * API tokens are refused in URLs (histories, logs); sign-in links and TESSERA_TOKEN are accepted.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { UserRecord } from '../registry/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { readSession, requireSafeSessions, writeSession } from './cookies.ts';
import { clientAddress } from './placement.ts';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** No referrer (the token is in this page's URL), never cached, never framed (set by the app too). */
const PAGE_HEADERS = { 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Tessera: ${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:560px;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.5rem}.account{font-size:1.15rem;padding:.75rem 1rem;border:1px solid #d0d7de;border-radius:8px;background:#f6f8fa}.warning{color:#9a6700}button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer}form{display:inline}.actions{display:flex;gap:1rem;align-items:center;margin-top:1.5rem}</style>
</head><body>${body}</body></html>`;
}

/** The page a browser lands on when a sign-in through a link or the identity provider fails. */
export function signInFailedPage(c: Context, err: unknown): Response {
  const error = err instanceof TesseraError ? err : new TesseraError('UNAUTHORIZED', 'Sign-in failed.');
  return c.html(
    page('sign-in failed', `<h1>Sign-in failed</h1><p>${escapeHtml(error.message)}</p><p><a href="/">Back to the builder</a></p>`),
    error.status as ContentfulStatusCode,
    PAGE_HEADERS,
  );
}

/** Whether the browser says this navigation is the person's own (typed, pasted, or from the builder itself). */
const ownNavigation = (c: Context): boolean => {
  const site = c.req.header('sec-fetch-site');
  return site === 'none' || site === 'same-origin';
};

const describeUser = (user: UserRecord): string => (user.name && user.name !== user.id ? `${user.name} (${user.id})` : user.id);

/** `GET /?token=<token>`: signs in, or asks first (see the module comment). */
export async function signInWithLink(platform: Platform, c: Context, token: string): Promise<Response> {
  try {
    requireSafeSessions(platform, c);
    const client = clientAddress(platform, c);
    const user = await platform.auth.userOfUrlToken(token, client);
    const current = await platform.auth.authenticate({ session: readSession(platform, c) });
    if (ownNavigation(c) && (!current || current.user.id === user.id)) return await startSession(platform, c, token, 302);
    return confirmationPage(c, token, user, current?.user ?? null);
  } catch (err) {
    return signInFailedPage(c, err);
  }
}

async function startSession(platform: Platform, c: Context, token: string, status: 302 | 303): Promise<Response> {
  const { session, maxAgeSeconds } = await platform.auth.signIn(token, clientAddress(platform, c), ['sign-in-link']);
  writeSession(platform, c, session, maxAgeSeconds);
  c.header('referrer-policy', 'no-referrer');
  c.header('cache-control', 'no-store');
  return c.redirect('/', status);
}

function confirmationPage(c: Context, token: string, user: UserRecord, current: UserRecord | null): Response {
  // A cross-site navigation carries no SameSite=Strict session cookie, so the server may not know who
  // is signed in here; the page's own same-origin request does carry it, so it asks.
  const script = `<script>fetch('/api/me').then((r) => (r.ok ? r.json() : null)).then((me) => {
  if (!me || me.id === ${JSON.stringify(user.id).replace(/</g, '\\u003c')}) return;
  const note = document.getElementById('switching');
  note.textContent = 'You are signed in as ' + (me.name && me.name !== me.id ? me.name + ' (' + me.id + ')' : me.id) + ' in this browser. Continuing signs you out of that account.';
  note.hidden = false;
}, () => undefined);</script>`;
  const switching =
    current && current.id !== user.id
      ? `<p class="warning" role="alert">You are signed in as <strong>${escapeHtml(describeUser(current))}</strong> in this browser. Continuing signs you out of that account.</p>`
      : `<p class="warning" role="alert" id="switching" hidden></p>${script}`;
  return c.html(
    page(
      'confirm sign-in',
      `<h1>Sign in to Tessera?</h1>
<p>This link signs this browser in as:</p>
<p class="account" data-testid="account">${escapeHtml(describeUser(user))}${user.admin ? ' · admin' : ''}</p>
${switching}
<p>Only continue if you opened this link yourself. Another site or app may have sent you here to sign you into <em>its</em> account, so that what you create ends up there.</p>
<div class="actions"><form method="post" action="/sign-in"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">Sign in as ${escapeHtml(user.id)}</button></form><a href="/">Cancel</a></div>`,
    ),
    200,
    PAGE_HEADERS,
  );
}

/**
 * `POST /sign-in` (the confirmation page's form): only from the builder's own origin. A form is what
 * a browser can post without script; an app's page could post one too, which the origin check refuses.
 */
export async function confirmSignIn(platform: Platform, c: Context): Promise<Response> {
  try {
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const host = c.req.header('host') ?? '';
    const sameOrigin = site ? site === 'same-origin' : origin === `http://${host}` || origin === `https://${host}`;
    if (!sameOrigin)
      throw new TesseraError('CROSS_SITE_REFUSED', "A sign-in is confirmed from the builder's own page only: open the link again and press the button there.");
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new TesseraError('UNSUPPORTED_MEDIA_TYPE', "Confirm a sign-in with the confirmation page's form.");
    const text = await c.req.text();
    if (text.length > 4096) throw new TesseraError('PAYLOAD_TOO_LARGE', 'A sign-in confirmation is a short form.');
    const token = new URLSearchParams(text).get('token');
    if (!token) throw new TesseraError('INVALID_ARGUMENTS', 'The confirmation names no token: open the sign-in link again.');
    requireSafeSessions(platform, c);
    // Refuses API tokens the same way the link did.
    await platform.auth.userOfUrlToken(token, clientAddress(platform, c));
    return await startSession(platform, c, token, 303);
  } catch (err) {
    return signInFailedPage(c, err);
  }
}
