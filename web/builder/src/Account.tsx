import { useEffect, useState } from 'react';
import { api } from './api.ts';

export interface Me {
  id: string;
  name: string;
  admin: boolean;
  via: string;
}

/** The way in: the console's one-time link does it by itself; a pasted token works too. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="panel signin">
      <h1>Sign in to Tessera</h1>
      <p>Open the one-time link the server printed on its console when it first started, or paste a token: an API token, or the server's <code>TESSERA_TOKEN</code>.</p>
      <form
        className="row"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api('POST', '/api/auth/token', { token: token.trim() });
            onSignedIn();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <input aria-label="Token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} style={{ flex: 1 }} />
        <button className="primary" disabled={!token.trim()}>Sign in</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </main>
  );
}

/** Who is signed in, their API tokens (created and shown once, revoked), and signing out. */
export function Account({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const [open, setOpen] = useState(false);
  const [tokens, setTokens] = useState<Array<{ id: number; name: string; createdAt: string; lastUsedAt: string | null }>>([]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => api<{ tokens: typeof tokens }>('GET', '/api/tokens').then((r) => setTokens(r.tokens), (e: Error) => setError(e.message));
  useEffect(() => {
    if (open) void load();
  }, [open]);
  return (
    <div className="account">
      <button aria-expanded={open} onClick={() => setOpen((o) => !o)}>{me.name}</button>
      {open && (
        <div className="account-menu" role="dialog" aria-label="Account">
          <h3>API tokens</h3>
          <p className="hint">For the CLI (<code>tessera login</code>) and scripts: <code>Authorization: Bearer &lt;token&gt;</code>.</p>
          <ul aria-label="API tokens">
            {tokens.map((t) => (
              <li key={t.id}>
                {t.name} <small>{t.lastUsedAt ? `used ${new Date(t.lastUsedAt).toLocaleString()}` : 'never used'}</small>{' '}
                <button onClick={() => api('DELETE', `/api/tokens/${t.id}`).then(load, (e: Error) => setError(e.message))}>Revoke</button>
              </li>
            ))}
          </ul>
          <form
            className="row"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                const made = await api<{ token: string }>('POST', '/api/tokens', { name });
                setCreated(made.token);
                setName('');
                await load();
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            <input aria-label="Token name" placeholder="laptop CLI" value={name} onChange={(e) => setName(e.target.value)} />
            <button disabled={!name.trim()}>Create token</button>
          </form>
          {created && (
            <p role="status">
              Copy it now, it is not shown again: <code aria-label="New token">{created}</code>
            </p>
          )}
          {error && <p className="error" role="alert">{error}</p>}
          <button onClick={() => api('POST', '/api/auth/logout', {}).then(onSignedOut)}>Sign out</button>
        </div>
      )}
    </div>
  );
}
