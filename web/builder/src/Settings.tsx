import { useCallback, useEffect, useState } from 'react';
import { ActionMessage, useActions } from './actions.tsx';
import type { Egress, SecretInfo as Secret, SecretRequest } from '../../../wire/api.ts';
import { client } from './api.ts';

/**
 * What the app may use from the outside world: its secrets (values go in, never come back out) and
 * the hosts its functions may call. The agent can only ask for both; the person decides here.
 */
export function Settings({ id }: { id: string }) {
  const [secrets, setSecrets] = useState<Secret[] | null>(null);
  const [requests, setRequests] = useState<SecretRequest[]>([]);
  const [egress, setEgress] = useState<Egress | null>(null);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [host, setHost] = useState('');
  // `load` is defined below; actions call it after they ran.
  const { message, setMessage, act } = useActions(() => load());

  const load = useCallback(async () => {
    try {
      const [list, asked, rules] = await Promise.all([
        client.request('GET /api/tenants/:id/secrets', { params: { id } }),
        client.request('GET /api/tenants/:id/secret-requests', { params: { id } }),
        client.request('GET /api/tenants/:id/egress', { params: { id } }),
      ]);
      setSecrets(list);
      setRequests(asked.requests);
      setEgress(rules);
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  }, [id]);
  useEffect(() => void load(), [load]);

  const setAllow = (allow: string[], done: string) => act(() => client.request('PUT /api/tenants/:id/egress', { params: { id }, body: { allow } }), done);

  if (!secrets || !egress) return <p>{message?.text ?? 'Loading…'}</p>;
  return (
    <div>
      <h3>Secrets</h3>
      <p className="hint">
        Functions read them with <code>require('@tessera/secrets').secret('NAME')</code>. Values are encrypted at rest, never shown again, and masked in logs.
      </p>
      {requests.length > 0 && (
        <ul aria-label="Secrets the agent asked for" className="requests">
          {requests.map((r) => (
            <li key={r.name}>
              <strong>{r.name}</strong> is needed: {r.reason}{' '}
              <button type="button" onClick={() => setName(r.name)}>
                Set it
              </button>{' '}
              <button
                type="button"
                onClick={() =>
                  void act(() => client.request('DELETE /api/tenants/:id/secret-requests/:name', { params: { id, name: r.name } }), `Dismissed ${r.name}.`)
                }
              >
                Dismiss
              </button>
            </li>
          ))}
        </ul>
      )}
      <table aria-label="Secrets">
        <thead>
          <tr>
            <th>Name</th>
            <th>Set</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {secrets.map((s) => (
            <tr key={s.name}>
              <td>
                <code>{s.name}</code>
              </td>
              <td>{new Date(s.updatedAt).toLocaleString()}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    window.confirm(`Delete the secret ${s.name}? Functions that use it will fail.`) &&
                    void act(() => client.request('DELETE /api/tenants/:id/secrets/:name', { params: { id, name: s.name } }), `Deleted ${s.name}.`)
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {secrets.length === 0 && <p>No secrets yet.</p>}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => client.request('PUT /api/tenants/:id/secrets/:name', { params: { id, name }, body: { value } }), `Saved ${name}.`).then((ok) => {
            if (!ok) return;
            setName('');
            setValue('');
          });
        }}
      >
        <input aria-label="Secret name" placeholder="STRIPE_API_KEY" value={name} onChange={(e) => setName(e.target.value.toUpperCase())} />
        <input aria-label="Secret value" type="password" autoComplete="off" placeholder="value" value={value} onChange={(e) => setValue(e.target.value)} />
        <button className="primary" type="submit" disabled={!name || !value}>
          Save secret
        </button>
      </form>

      <h3>Egress</h3>
      <p className="hint">
        Hosts the app's functions may call with <code>fetch()</code>. Private, loopback and metadata addresses are always refused.
      </p>
      {egress.pending.length > 0 && (
        <ul aria-label="Hosts the agent proposed" className="requests">
          {egress.pending.map((p) => (
            <li key={p.host}>
              <code>{p.host}</code>: {p.reason}{' '}
              <button type="button" className="primary" onClick={() => void setAllow([...egress.allow, p.host], `Allowed ${p.host}.`)}>
                Approve
              </button>{' '}
              <button
                type="button"
                onClick={() =>
                  void act(() => client.request('DELETE /api/tenants/:id/egress/proposals/:host', { params: { id, host: p.host } }), `Dismissed ${p.host}.`)
                }
              >
                Dismiss
              </button>
            </li>
          ))}
        </ul>
      )}
      <ul aria-label="Allowed hosts">
        {egress.allow.map((h) => (
          <li key={h}>
            <code>{h}</code>{' '}
            <button
              type="button"
              onClick={() =>
                void setAllow(
                  egress.allow.filter((x) => x !== h),
                  `Removed ${h}.`,
                )
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {egress.allow.length === 0 && <p>No hosts allowed: functions cannot reach the network.</p>}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void setAllow([...egress.allow, host.trim()], `Allowed ${host.trim()}.`).then((ok) => ok && setHost(''));
        }}
      >
        <input aria-label="Host to allow" placeholder="api.example.com" value={host} onChange={(e) => setHost(e.target.value)} />
        <button type="submit" disabled={!host.trim()}>
          Allow host
        </button>
      </form>
      <ActionMessage message={message} />
    </div>
  );
}
