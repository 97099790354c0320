/**
 * The page a password-reset mail links to (`/_tessera/auth/reset?token=...` on the app's origin): a
 * new-password field that posts `{"token","password"}` as JSON to `/_tessera/auth/reset/confirm`,
 * then opens the app signed in. The token is read by the page's script, never echoed into the HTML.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function resetPage(appName: string): string {
  const app = escapeHtml(appName);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${app}: set a new password</title></head>
<body style="font-family:system-ui,sans-serif;max-width:420px;margin:4rem auto;padding:0 1rem;color:#1f2937">
<h1 style="font-size:1.4rem">Set a new password</h1>
<form id="reset">
<label for="password" style="display:block;margin-bottom:.25rem">New password (8 characters or more)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required style="width:100%;padding:.5rem;box-sizing:border-box">
<button type="submit" style="margin-top:1rem;padding:.5rem 1rem">Save and sign in</button>
<p id="message" role="status" style="margin-top:1rem"></p>
</form>
<script>
const token = new URLSearchParams(location.search).get('token') || '';
history.replaceState(null, '', location.pathname);
document.getElementById('reset').addEventListener('submit', async (event) => {
  event.preventDefault();
  const message = document.getElementById('message');
  const res = await fetch('/_tessera/auth/reset/confirm', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: document.getElementById('password').value }),
  });
  if (res.ok) { location.replace('/'); return; }
  const body = await res.json().catch(() => null);
  message.textContent = (body && body.error && body.error.message) || 'Something went wrong; try again.';
});
</script>
</body></html>`;
}
