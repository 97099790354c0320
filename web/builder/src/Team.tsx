import { useCallback, useEffect, useState } from 'react';
import { ActionMessage, useActions } from './actions.tsx';
import type { AuditRecord, Member, PendingInvitation, UserInfo as User } from '../../../wire/api.ts';
import { ROLES, type Role } from '../../../wire/ids.ts';
import { client } from './api.ts';

export type { Role };

/**
 * Who is on the project and with which role; owners invite people (who join when they accept),
 * change roles and remove members, and see and withdraw the invitations still waiting.
 */
export function Members({ id, role, me }: { id: string; role: Role | null; me: string }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [pending, setPending] = useState<PendingInvitation[]>([]);
  const [abilities, setAbilities] = useState<Record<Role, string> | null>(null);
  const [who, setWho] = useState('');
  const [newRole, setNewRole] = useState<Role>('editor');
  const owner = role === 'owner';

  const load = useCallback(
    () =>
      client.request('GET /api/tenants/:id/members', { params: { id } }).then(
        (r) => {
          setMembers(r.members);
          setPending(r.invitations ?? []);
          setAbilities(r.abilities);
        },
        (e: Error) => setMessage({ ok: false, text: e.message }),
      ),
    [id],
  );
  useEffect(() => void load(), [load]);

  const { message, setMessage, act } = useActions(load);

  return (
    <div>
      <h2>Members</h2>
      {abilities && (
        <ul className="hint">
          {ROLES.map((r) => (
            <li key={r}>
              <strong>{r}</strong>: {abilities[r]}
            </li>
          ))}
        </ul>
      )}
      <table aria-label="Members">
        <thead>
          <tr>
            <th>User</th>
            <th>Email</th>
            <th>Role</th>
            {owner && <th />}
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.userId}>
              <td>
                {m.name}{' '}
                <small>
                  ({m.userId}
                  {m.userId === me ? ', you' : ''})
                </small>
              </td>
              <td>{m.email ?? ''}</td>
              <td>
                {owner ? (
                  <select
                    aria-label={`Role of ${m.userId}`}
                    value={m.role}
                    onChange={(e) =>
                      act(
                        () => client.request('PUT /api/tenants/:id/members/:who', { params: { id, who: m.userId }, body: { role: e.target.value } }),
                        `${m.userId} is now ${e.target.value}.`,
                      )
                    }
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              {owner && (
                <td>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => act(() => client.request('DELETE /api/tenants/:id/members/:who', { params: { id, who: m.userId } }), `${m.userId} removed.`)}
                  >
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {owner && pending.length > 0 && (
        <>
          <h3>Invitations waiting for an answer</h3>
          <table aria-label="Pending invitations">
            <thead>
              <tr>
                <th>Invited</th>
                <th>Role</th>
                <th>By</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {pending.map((i) => (
                <tr key={i.id}>
                  <td>{i.invitee}</td>
                  <td>{i.role}</td>
                  <td>{i.invitedBy}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() =>
                        act(
                          () => client.request('DELETE /api/tenants/:id/members/:who', { params: { id, who: i.invitee } }),
                          `Invitation to ${i.invitee} withdrawn.`,
                        )
                      }
                    >
                      Withdraw
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {owner ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            const name = who.trim();
            const member = members.some((m) => m.userId === name.toLowerCase() || m.email === name.toLowerCase());
            const done = member
              ? `${name} is now ${newRole}.`
              : `Invited ${name} as ${newRole}: they join when they accept. (If no account has this id or email yet, the invitation waits for one.)`;
            void act(() => client.request('PUT /api/tenants/:id/members/:who', { params: { id, who: name }, body: { role: newRole } }), done).then(
              (ok) => ok && setWho(''),
            );
          }}
        >
          <input aria-label="Member user id or email" placeholder="user id or email" value={who} onChange={(e) => setWho(e.target.value)} />
          <select aria-label="New member role" value={newRole} onChange={(e) => setNewRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit" className="primary" disabled={!who.trim()}>
            Invite
          </button>
        </form>
      ) : (
        <p className="hint">Only owners manage members.</p>
      )}
      <ActionMessage message={message} />
    </div>
  );
}

/** The server's record, as `GET .../audit` sends it. */
type AuditEntry = AuditRecord;

/** Who did what, when: a project's log (owners) or the whole platform's (admins), newest first. */
export function AuditLog({ tenant }: { tenant?: string }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    async (before?: number) => {
      try {
        const query = { limit: 50, before: before || undefined };
        const page = tenant
          ? await client.request('GET /api/tenants/:id/audit', { params: { id: tenant }, query })
          : await client.request('GET /api/audit', { query });
        setEntries((old) => (before ? [...old, ...page.entries] : page.entries));
        setMore(page.entries.length === 50);
      } catch (err) {
        setError((err as Error).message);
      }
    },
    [tenant],
  );
  useEffect(() => void load(), [load]);
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  return (
    <div>
      <h2>Audit log</h2>
      <table aria-label="Audit log">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>How</th>
            {!tenant && <th>Project</th>}
            <th>What</th>
            <th>On</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} className={e.outcome === 'ok' ? '' : 'error'}>
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>{e.actor}</td>
              <td>{e.via}</td>
              {!tenant && <td>{e.tenant ?? ''}</td>}
              <td>{e.action}</td>
              <td>{e.target}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && <p>Nothing recorded yet.</p>}
      {more && (
        <button type="button" onClick={() => load(entries.at(-1)?.id)}>
          Older
        </button>
      )}
    </div>
  );
}

/** Admins: every user, new users (with a one-time sign-in link to hand over), admin rights, removal. */
export function Users({ me }: { me: string }) {
  const [users, setUsers] = useState<User[]>([]);
  const [form, setForm] = useState({ id: '', name: '', email: '', password: '', admin: false });
  const [link, setLink] = useState<{ user: string; url: string } | null>(null);
  const load = useCallback(
    () =>
      client.request('GET /api/users').then(
        (r) => setUsers(r.users),
        (e: Error) => setMessage({ ok: false, text: e.message }),
      ),
    [],
  );
  useEffect(() => void load(), [load]);
  const { message, setMessage, act } = useActions(load);
  return (
    <main className="panel">
      <h2>Users</h2>
      <table aria-label="Users">
        <thead>
          <tr>
            <th>User</th>
            <th>Email</th>
            <th>Signs in with</th>
            <th>Projects</th>
            <th>Admin</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>
                {u.name} <small>({u.id})</small>
              </td>
              <td>{u.email ?? ''}</td>
              <td>{[u.hasPassword && 'password', u.oidc && 'SSO'].filter(Boolean).join(', ') || 'link or token'}</td>
              <td>{u.projects.map((p) => `${p.tenant} (${p.role})`).join(', ')}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`${u.id} is admin`}
                  checked={u.admin}
                  disabled={u.id === me}
                  onChange={(e) =>
                    act(
                      () => client.request('PATCH /api/users/:id', { params: { id: u.id }, body: { admin: e.target.checked } }),
                      `${u.id} ${e.target.checked ? 'is now' : 'is no longer'} an admin.`,
                    )
                  }
                />
              </td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    act(
                      async () =>
                        setLink({ user: u.id, url: (await client.request('POST /api/users/:id/sign-in-link', { params: { id: u.id }, body: {} })).signInUrl }),
                      `New sign-in link for ${u.id}.`,
                    )
                  }
                >
                  Sign-in link
                </button>{' '}
                {u.id !== me && (
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      confirm(`Delete the user ${u.id}? Their sessions and tokens stop working at once.`) &&
                      act(() => client.request('DELETE /api/users/:id', { params: { id: u.id } }), `${u.id} deleted.`)
                    }
                  >
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>New user</h3>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const made = await client.request('POST /api/users', {
              body: { id: form.id, name: form.name || undefined, email: form.email || undefined, password: form.password || undefined, admin: form.admin },
            });
            setLink({ user: made.user.id, url: made.signInUrl });
            setForm({ id: '', name: '', email: '', password: '', admin: false });
          }, `${form.id} created.`);
        }}
      >
        <input aria-label="New user id" placeholder="id, e.g. ada" value={form.id} onChange={(e) => setForm({ ...form, id: e.target.value.trim() })} />
        <input aria-label="New user name" placeholder="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <input
          aria-label="New user email"
          placeholder="email (optional)"
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.target.value.trim() })}
        />
        <input
          aria-label="New user password"
          type="password"
          placeholder="password (optional)"
          autoComplete="new-password"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
        />
        <label>
          <input type="checkbox" checked={form.admin} onChange={(e) => setForm({ ...form, admin: e.target.checked })} /> admin
        </label>
        <button type="submit" className="primary" disabled={!form.id}>
          Create user
        </button>
      </form>
      {link && (
        <p role="status">
          Hand this one-time sign-in link to {link.user} (valid for a day):{' '}
          <code role="note" aria-label="Sign-in link">
            {link.url}
          </code>
        </p>
      )}
      <ActionMessage message={message} />
      <AuditLog />
    </main>
  );
}
