import { useCallback, useEffect, useState } from 'react';
import { ActionMessage, useActions } from './actions.tsx';
import type { Invitation } from '../../../wire/api.ts';
import { client } from './api.ts';

export type { Invitation };

/** The signed-in user's pending invitations, reloaded when the builder asks (e.g. after an answer). */
export function useInvitations(): { invitations: Invitation[]; reload: () => Promise<void> } {
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const reload = useCallback(
    () =>
      client.request('GET /api/invitations').then(
        (r) => setInvitations(r.invitations),
        () => undefined,
      ),
    [],
  );
  useEffect(() => void reload(), [reload]);
  return { invitations, reload };
}

/**
 * Invitations to projects, waiting for this person's answer: a project joins their list only when
 * they accept it here (or with `POST /api/invitations/:id/accept`).
 */
export function Invitations({ invitations, onAnswered }: { invitations: Invitation[]; onAnswered: (accepted?: string) => Promise<void> }) {
  const { message, act } = useActions(() => onAnswered());
  return (
    <main className="panel">
      <h2>Invitations</h2>
      {invitations.length === 0 ? (
        <p>No invitations waiting.</p>
      ) : (
        <>
          <p className="hint">Someone invited you to these projects. Accept to see and work on one; decline to say no. Nothing changes until you answer.</p>
          <table aria-label="Invitations">
            <thead>
              <tr>
                <th>Project</th>
                <th>Role</th>
                <th>Invited by</th>
                <th>When</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {invitations.map((i) => (
                <tr key={i.id}>
                  <td>
                    <strong>{i.tenant}</strong>
                  </td>
                  <td>{i.role}</td>
                  <td>{i.invitedBy}</td>
                  <td>{new Date(i.createdAt).toLocaleString()}</td>
                  <td>
                    <div className="row">
                      <button
                        type="button"
                        className="primary"
                        onClick={() =>
                          act(async () => {
                            await client.request('POST /api/invitations/:id/accept', { params: { id: i.id }, body: {} });
                            await onAnswered(i.tenant);
                          }, `You joined ${i.tenant} as ${i.role}.`)
                        }
                      >
                        Accept
                      </button>
                      <button
                        type="button"
                        onClick={() =>
                          act(
                            () => client.request('POST /api/invitations/:id/decline', { params: { id: i.id }, body: {} }),
                            `Declined the invitation to ${i.tenant}.`,
                          )
                        }
                      >
                        Decline
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <ActionMessage message={message} />
    </main>
  );
}
