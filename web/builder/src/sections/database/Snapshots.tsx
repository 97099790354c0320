import { useCallback, useEffect, useState } from 'react';
import type { SnapshotInfo, SnapshotRestore } from '../../../../../wire/api.ts';
import { byteSize } from '../../../../../wire/sizes.ts';
import { client } from '../../api.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

/** "Dec 8, 12:48:51 AM" (with the year when it is not this one). */
const when = (at: string): string => {
  const date = new Date(at);
  return date.toLocaleString(undefined, {
    ...(date.getFullYear() === new Date().getFullYear() ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
};

/** "before restore of <id>" names the snapshot restored by its time, when it is in the list. */
function reasonText(reason: string, all: SnapshotInfo[]): string {
  const restored = /^before restore of (\S+)$/.exec(reason)?.[1];
  const found = restored ? all.find((s) => s.id === restored) : undefined;
  return found ? `before restoring the one of ${when(found.at)}` : reason;
}

/**
 * Snapshots of the app's live data (owners): when, why, the release live then and the size; take
 * one now; restore one after a dialog that says what will happen (the live data is snapshotted
 * first, so a restore can be undone by restoring that one).
 */
export function Snapshots({ id, live, onRestored }: { id: string; live: string | null; onRestored: () => void }) {
  const [snapshots, setSnapshots] = useState<SnapshotInfo[] | string | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<SnapshotInfo | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string; warnings?: string[] } | null>(null);
  const load = useCallback(
    () =>
      client.request('GET /api/tenants/:id/snapshots', { params: { id } }).then(
        (list) => setSnapshots(list),
        (err: Error) => setSnapshots(err.message),
      ),
    [id],
  );
  useEffect(() => void load(), [load]);

  async function take() {
    setBusy(true);
    try {
      const taken = await client.request('POST /api/tenants/:id/snapshots', { params: { id }, body: reason.trim() ? { reason: reason.trim() } : {} });
      setMessage({ ok: true, text: `Snapshot taken: ${taken.reason}, ${byteSize(taken.bytes)}.` });
      setReason('');
      await load();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }
  async function restore(snapshot: SnapshotInfo) {
    setBusy(true);
    try {
      const result: SnapshotRestore = await client.request('POST /api/tenants/:id/snapshots/:snapshotId/restore', {
        params: { id, snapshotId: snapshot.id },
        body: {},
      });
      setMessage({
        ok: true,
        text: `Restored the live data to ${when(result.restored.at)}. The data as it was just before is in the snapshot of ${when(result.before.at)}: restore that one to undo.`,
        warnings: result.warnings,
      });
      await load();
      onRestored();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
      setAsking(null);
    }
  }

  return (
    <div className="snapshots">
      <p className="notice" role="note">
        Snapshots are copies of the <strong>live</strong> data, taken before every deploy that migrates it, before every restore, periodically when it changed,
        and by hand.
      </p>
      <div className="row">
        <input
          aria-label="Snapshot reason"
          placeholder="Reason (optional), e.g. before the import"
          value={reason}
          maxLength={200}
          onChange={(e) => setReason(e.target.value)}
        />
        <button type="button" className="primary" disabled={busy} onClick={() => void take()}>
          Take snapshot
        </button>
      </div>
      {message && (
        <div className={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          <p>{message.text}</p>
          {message.warnings?.map((w) => (
            <p key={w} className="warning">
              {w}
            </p>
          ))}
        </div>
      )}
      {snapshots === null && <p>Loading…</p>}
      {typeof snapshots === 'string' && (
        <p className="error" role="alert">
          {snapshots}
        </p>
      )}
      {Array.isArray(snapshots) && snapshots.length === 0 && <p>No snapshots yet.</p>}
      {Array.isArray(snapshots) && snapshots.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Snapshots">
            <thead>
              <tr>
                <th>Taken</th>
                <th>Reason</th>
                <th>Release live then</th>
                <th>Size</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {snapshots.map((s) => (
                <tr key={s.id} aria-label={`Snapshot ${s.reason} at ${when(s.at)}`}>
                  <td title={s.id}>
                    {when(s.at)}
                    <br />
                    <small>by {s.takenBy}</small>
                  </td>
                  <td>{reasonText(s.reason, snapshots)}</td>
                  <td>{s.release ?? <em>none</em>}</td>
                  <td className="size">{byteSize(s.bytes)}</td>
                  <td className="actions">
                    <button type="button" className="danger" disabled={busy} onClick={() => setAsking(s)}>
                      Restore
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {asking && (
        <ConfirmDialog
          title="Restore this snapshot?"
          confirm="Restore live data"
          danger
          busy={busy}
          onConfirm={() => void restore(asking)}
          onCancel={() => setAsking(null)}
        >
          <p>
            The <strong>live</strong> data of <strong>{id}</strong> becomes what it was at <strong>{when(asking.at)}</strong> (
            {reasonText(asking.reason, Array.isArray(snapshots) ? snapshots : [])}). Every change to live data since then is replaced, as one step.
          </p>
          <p>The live data as it is now is snapshotted first, so you can undo this by restoring that snapshot. The draft is not changed.</p>
          {asking.release !== live && (
            <p className="warning">
              It was taken while {asking.release ? `release ${asking.release}` : 'no release'} was live; {live ? `release ${live}` : 'no release'} is live now,
              and its code may expect another schema.
            </p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
