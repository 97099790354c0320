import { useCallback, useEffect, useState } from 'react';
import type { AppSignupPolicy, AppUserInfo, OutboxMail } from '../../../../wire/api.ts';
import { ActionMessage, useActions } from '../actions.tsx';
import { client } from '../api.ts';

/** What each sign-up policy means for a visitor of the app, as the select offers it. */
const POLICIES: { value: AppSignupPolicy; label: string }[] = [
  { value: 'open', label: 'Open: anyone can sign up' },
  { value: 'invite', label: 'Invite only: no one can sign up until invitations arrive' },
  { value: 'closed', label: 'Closed: no one can sign up' },
];

// Short enough for the table to fit beside the preview: "Dec 7, 2026, 10:47 PM".
const when = (at: string | null): string => (at ? new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : 'never');

/**
 * The people who use the app (its own accounts, not the builder's): who they are and when they
 * last signed in, their app role, disabling (which signs them out everywhere) and deleting them,
 * who may sign up, and the mail the app would send. Owners only, as the server insists: these are
 * people's accounts, and the outbox holds live reset links.
 */
export function AppUsers({ id }: { id: string }) {
  const [users, setUsers] = useState<AppUserInfo[] | null>(null);
  const [signup, setSignup] = useState<AppSignupPolicy>('open');
  const [mail, setMail] = useState<OutboxMail[]>([]);
  const [typed, setTyped] = useState('');
  // The search the list shows, set on submit so that answers to older keystrokes never race it.
  const [search, setSearch] = useState('');

  const load = useCallback(async () => {
    try {
      const [list, outbox] = await Promise.all([
        client.request('GET /api/tenants/:id/app-users', { params: { id }, query: { q: search || undefined } }),
        client.request('GET /api/tenants/:id/outbox', { params: { id } }),
      ]);
      setUsers(list.users);
      setSignup(list.signup);
      setMail(outbox.mail);
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  }, [id, search]);
  useEffect(() => void load(), [load]);
  const { message, setMessage, act } = useActions(load);

  const update = (user: AppUserInfo, patch: { role?: 'user' | 'admin'; disabled?: boolean }, done: string) =>
    act(() => client.request('PATCH /api/tenants/:id/app-users/:userId', { params: { id, userId: user.id }, body: patch }), done);

  if (!users) return <p className={message ? 'error' : undefined}>{message?.text ?? 'Loading…'}</p>;
  return (
    <div className="app-users">
      <h2>Users of the app</h2>
      <p className="hint">
        The people who sign up and sign in to the app itself (not builder accounts). Functions see them with <code>require('@tessera/auth')</code>.
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(typed.trim());
        }}
      >
        <input type="search" aria-label="Search users" placeholder="email or name" value={typed} onChange={(e) => setTyped(e.target.value)} />
        <button type="submit">Search</button>
        {search && (
          <button
            type="button"
            onClick={() => {
              setTyped('');
              setSearch('');
            }}
          >
            Show all
          </button>
        )}
      </form>
      <table aria-label="App users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Disabled</th>
            <th>Created</th>
            <th>Last sign-in</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} className={u.disabled ? 'disabled' : undefined}>
              <td>
                {u.name}
                <br />
                <small>{u.email}</small>
              </td>
              <td>{u.role}</td>
              <td>{u.disabled ? 'yes' : 'no'}</td>
              <td>{when(u.createdAt)}</td>
              <td>{when(u.lastSignInAt)}</td>
              <td className="actions">
                <div>
                  {u.role === 'admin' ? (
                    <button type="button" onClick={() => void update(u, { role: 'user' }, `${u.email} is now a user.`)}>
                      Make user
                    </button>
                  ) : (
                    <button type="button" onClick={() => void update(u, { role: 'admin' }, `${u.email} is now an admin.`)}>
                      Make admin
                    </button>
                  )}
                  {u.disabled ? (
                    <button type="button" onClick={() => void update(u, { disabled: false }, `${u.email} can sign in again.`)}>
                      Enable
                    </button>
                  ) : (
                    <button type="button" onClick={() => void update(u, { disabled: true }, `${u.email} is disabled and signed out everywhere.`)}>
                      Disable
                    </button>
                  )}
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      window.confirm(`Delete ${u.email}? Their account and sessions go at once; rows the app keeps under their id stay.`) &&
                      void act(() => client.request('DELETE /api/tenants/:id/app-users/:userId', { params: { id, userId: u.id } }), `${u.email} deleted.`)
                    }
                  >
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {users.length === 0 && <p>{search ? `No user matches “${search}”.` : 'No one has signed up yet.'}</p>}
      <ActionMessage message={message} />

      <h3>Sign-up</h3>
      <label className="row">
        Who may sign up
        <select
          aria-label="Who may sign up"
          value={signup}
          onChange={(e) => {
            const policy = e.target.value as AppSignupPolicy;
            void act(() => client.request('PUT /api/tenants/:id/app-auth', { params: { id }, body: { signup: policy } }), `Sign-ups are now ${policy}.`);
          }}
        >
          {POLICIES.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </label>

      <h3>Outbox</h3>
      <p className="hint">
        The mail the app sends (password resets, its functions' <code>@tessera/email</code>), newest first: sent by the app's SMTP server when it has the
        secrets SMTP_URL and EMAIL_FROM and the server's host is on its egress allowlist, otherwise kept here only. The links in it work: treat them as
        passwords.
      </p>
      {mail.length === 0 ? (
        <p>No mail yet.</p>
      ) : (
        <ul aria-label="Outbox" className="outbox">
          {mail.map((m) => (
            <li key={m.id}>
              <details>
                <summary>
                  <strong>{m.subject}</strong> to {m.to} <small>{when(m.createdAt)}</small> <small>{deliveryOf(m)}</small>
                </summary>
                <pre className="mail">{m.text}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** How a mail went out, in words: kept here, or what the app's SMTP server made of it. */
function deliveryOf(mail: OutboxMail): string {
  if (mail.via === 'outbox') return 'kept here (no SMTP)';
  if (mail.status === 'sent') return 'sent by SMTP';
  if (mail.status === 'failed') return `SMTP failed: ${mail.error ?? 'unknown error'}`;
  return 'sending by SMTP';
}
