import { useEffect, useState } from 'react';
import type { ApiToken, Me } from '../../../wire/api.ts';
import { client } from './api.ts';

export type { Me };

/**
 * The way in: a password; the team's identity provider (when configured); the console's one-time
 * link (which signs in by itself); or a pasted token.
 */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [oidc, setOidc] = useState<{ label: string; start: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(
    () =>
      void client.request('GET /api/auth/methods').then(
        (m) => setOidc(m.oidc),
        () => undefined,
      ),
    [],
  );
  const attempt = (work: () => Promise<unknown>) => async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await work();
      onSignedIn();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main className="panel signin">
      <h1>Sign in to Tessera</h1>
      <form
        className="stack"
        aria-label="Sign in with a password"
        onSubmit={attempt(() => client.request('POST /api/auth/password', { body: { login: login.trim(), password } }))}
      >
        <label>
          User id or email <input aria-label="User id or email" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} />
        </label>
        <label>
          Password{' '}
          <input aria-label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={!login.trim() || !password}>
          Sign in
        </button>
      </form>
      {oidc && (
        <p>
          <a className="button" href={oidc.start}>
            {oidc.label}
          </a>
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <details>
        <summary>Sign in with a link or a token</summary>
        <p>
          Open the one-time link the server printed on its console when it first started (or one an admin gave you), or paste a token: an API token, or the
          server's <code>TESSERA_TOKEN</code>.
        </p>
        <form className="row" onSubmit={attempt(() => client.request('POST /api/auth/token', { body: { token: token.trim() } }))}>
          <input aria-label="Token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} style={{ flex: 1 }} />
          <button type="submit" disabled={!token.trim()}>
            Sign in with token
          </button>
        </form>
      </details>
    </main>
  );
}

/** Sets the signed-in user's password (the current one is needed when there is one). */
function ChangePassword({ me }: { me: Me }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (me.via === 'tessera-token') return null;
  return (
    <form
      className="stack"
      aria-label="Password"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await client.request('PUT /api/me/password', { body: { current: current || undefined, password: next } });
          setMessage({ ok: true, text: 'Password saved.' });
          setCurrent('');
          setNext('');
        } catch (err) {
          setMessage({ ok: false, text: (err as Error).message });
        }
      }}
    >
      <h3>Password</h3>
      {me.hasPassword && (
        <input
          aria-label="Current password"
          type="password"
          autoComplete="current-password"
          placeholder="current password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      )}
      <input
        aria-label="New password"
        type="password"
        autoComplete="new-password"
        placeholder="new password (10+ characters)"
        value={next}
        onChange={(e) => setNext(e.target.value)}
      />
      <button type="submit" disabled={!next}>
        {me.hasPassword ? 'Change password' : 'Set password'}
      </button>
      {message && (
        <p className={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

/** Who is signed in, their API tokens (created and shown once, revoked), and signing out. */
export function Account({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const [open, setOpen] = useState(false);
  const [tokens, setTokens] = useState<ApiToken[]>([]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    client.request('GET /api/tokens').then(
      (r) => setTokens(r.tokens),
      (e: Error) => setError(e.message),
    );
  useEffect(() => {
    if (open) void load();
  }, [open]);
  return (
    <div className="account">
      <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {me.name}
        {me.admin ? ' (admin)' : ''}
      </button>
      {open && (
        <div className="account-menu" role="dialog" aria-label="Account">
          <h3>API tokens</h3>
          <p className="hint">
            For the CLI (<code>tessera login</code>) and scripts: <code>Authorization: Bearer &lt;token&gt;</code>.
          </p>
          <ul aria-label="API tokens">
            {tokens.map((t) => (
              <li key={t.id}>
                {t.name} <small>{t.lastUsedAt ? `used ${new Date(t.lastUsedAt).toLocaleString()}` : 'never used'}</small>{' '}
                <button
                  type="button"
                  onClick={() => client.request('DELETE /api/tokens/:id', { params: { id: String(t.id) } }).then(load, (e: Error) => setError(e.message))}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
          <form
            className="row"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                const made = await client.request('POST /api/tokens', { body: { name } });
                setCreated(made.token);
                setName('');
                await load();
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            <input aria-label="Token name" placeholder="laptop CLI" value={name} onChange={(e) => setName(e.target.value)} />
            <button type="submit" disabled={!name.trim()}>
              Create token
            </button>
          </form>
          {created && (
            <p role="status">
              Copy it now, it is not shown again:{' '}
              <code role="note" aria-label="New token">
                {created}
              </code>
            </p>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <ChangePassword me={me} />
          <button type="button" onClick={() => client.request('POST /api/auth/logout', { body: {} }).then(onSignedOut)}>
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
