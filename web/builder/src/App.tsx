import { useEffect, useState } from 'react';
import type { Me, TenantItem } from '../../../wire/api.ts';
import { TENANT_ID, client } from './api.ts';
import { Account, SignIn } from './Account.tsx';
import { Project } from './Project.tsx';
import { Users } from './Team.tsx';
import { Invitations, useInvitations } from './Invitations.tsx';
import { onRouteChange, readRoute, showRoute } from './route.ts';

/** Signed in: the builder; not: the sign-in page. */
export function App() {
  const [me, setMe] = useState<Me | null | 'signed-out'>(null);
  const check = () => client.request('GET /api/me').then(setMe, () => setMe('signed-out'));
  useEffect(() => void check(), []);
  if (me === null) return <main className="panel">Loading…</main>;
  if (me === 'signed-out') return <SignIn onSignedIn={() => void check()} />;
  return <Builder me={me} onSignedOut={() => setMe('signed-out')} />;
}

/** Projects on the left; the open project (chat, dashboard, preview) on the right. */
function Builder({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const [tenants, setTenants] = useState<TenantItem[]>([]);
  const [open, setOpenState] = useState<string | null>(() => readRoute().app);
  /** Opening an app puts it in the address (`/apps/<id>`), so a reload or a shared link opens it again. */
  const setOpen = (id: string | null) => {
    setOpenState(id);
    if (id !== readRoute().app) showRoute({ app: id, section: null, item: null });
  };
  useEffect(() => onRouteChange((route) => setOpenState(route.app)), []);
  const [usersOpen, setUsersOpen] = useState(false);
  const [invitationsOpen, setInvitationsOpen] = useState(false);
  const { invitations, reload: reloadInvitations } = useInvitations();
  const [newId, setNewId] = useState('');
  const [error, setError] = useState<string | null>(null);

  const refresh = () =>
    client.request('GET /api/tenants').then(
      (r) => setTenants(r.tenants),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void refresh(), []);

  const idProblem = newId && !TENANT_ID.test(newId) ? 'Use lowercase letters, digits and hyphens (a DNS label).' : null;
  async function create(event: React.FormEvent) {
    event.preventDefault();
    try {
      await client.request('POST /api/tenants', { body: { id: newId } });
      setNewId('');
      setError(null);
      await refresh();
      setOpen(newId);
      setUsersOpen(false);
      setInvitationsOpen(false);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  async function remove(id: string) {
    if (!confirm(`Delete the app "${id}" and all its data?`)) return;
    await client.request('DELETE /api/tenants/:id', { params: { id } }).catch((e: Error) => setError(e.message));
    if (open === id) setOpen(null);
    await refresh();
  }

  return (
    <div className="layout">
      <nav className="sidebar" aria-label="Projects">
        <h1>Tessera</h1>
        <Account me={me} onSignedOut={onSignedOut} />
        {me.admin && (
          <button
            type="button"
            className={`link${usersOpen ? ' active' : ''}`}
            onClick={() => {
              setUsersOpen(true);
              setInvitationsOpen(false);
            }}
          >
            Users and audit log
          </button>
        )}
        {(invitations.length > 0 || invitationsOpen) && (
          <button
            type="button"
            className={`link invitations${invitationsOpen ? ' active' : ''}`}
            onClick={() => {
              setInvitationsOpen(true);
              setUsersOpen(false);
            }}
          >
            Invitations{' '}
            <span className="badge" role="note" aria-label={`${invitations.length} waiting`}>
              {invitations.length}
            </span>
          </button>
        )}
        <form onSubmit={create} className="row">
          <input aria-label="New app id" placeholder="new-app" value={newId} onChange={(e) => setNewId(e.target.value.trim())} style={{ width: '100%' }} />
          <button type="submit" className="primary" disabled={!newId || Boolean(idProblem)}>
            Create
          </button>
        </form>
        {idProblem && (
          <p className="error" role="alert">
            {idProblem}
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <ul>
          {tenants.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                className={`link${open === t.id && !usersOpen && !invitationsOpen ? ' active' : ''}`}
                onClick={() => {
                  setOpen(t.id);
                  setUsersOpen(false);
                  setInvitationsOpen(false);
                }}
              >
                {t.id}
              </button>
              {!me.admin && <small className="role">{t.role}</small>}
              {t.role === 'owner' && (
                <button type="button" className="danger" aria-label={`Delete ${t.id}`} onClick={() => remove(t.id)}>
                  ×
                </button>
              )}
            </li>
          ))}
          {tenants.length === 0 && <li>No apps yet.</li>}
        </ul>
      </nav>
      {invitationsOpen ? (
        <Invitations
          invitations={invitations}
          onAnswered={async () => {
            await reloadInvitations();
            await refresh();
          }}
        />
      ) : usersOpen ? (
        <Users me={me.id} />
      ) : open ? (
        <Project key={open} id={open} me={me.id} />
      ) : (
        <main className="panel">
          <p>Create or open an app.</p>
        </main>
      )}
    </div>
  );
}
