import { useState } from 'react';
import { client } from '../../api.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

export type DatabaseKind = 'draft' | 'live';

/**
 * Which of the app's two databases the section shows (draft: what the agent and the draft preview
 * use; live: what the released app uses), and "Refresh draft from live" (editors).
 */
export function DatabaseChoice({
  id,
  database,
  canEdit,
  onChoose,
  onRefreshed,
}: {
  id: string;
  database: DatabaseKind;
  canEdit: boolean;
  onChoose: (database: DatabaseKind) => void;
  onRefreshed: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  async function refresh() {
    setBusy(true);
    try {
      const result = await client.request('POST /api/tenants/:id/database/refresh-draft', { params: { id }, body: {} });
      setMessage({
        ok: true,
        text: `The draft now has a copy of the live data${result.replayed ? `, with the draft's ${result.replayed} newer migration${result.replayed === 1 ? '' : 's'} applied` : ''} (migration ${result.version}).`,
      });
      onRefreshed();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
      setAsking(false);
    }
  }
  return (
    <div className="database-choice">
      <div className="row">
        <fieldset className="segmented" aria-label="Database shown">
          {(['draft', 'live'] as const).map((kind) => (
            <button
              type="button"
              key={kind}
              aria-pressed={database === kind}
              className={database === kind ? `segment selected ${kind}` : 'segment'}
              onClick={() => onChoose(kind)}
            >
              {kind === 'draft' ? 'Draft data' : 'Live data'}
            </button>
          ))}
        </fieldset>
        <span className="database-caption" role="note" aria-label="Which database">
          {database === 'draft'
            ? 'Showing the draft database: what the agent, its sample calls and the draft preview use. Live data is not touched here.'
            : "Showing the live database: what the released app's users see. Its schema changes only when a release is deployed."}
        </span>
        {canEdit && (
          <button type="button" onClick={() => setAsking(true)}>
            Refresh draft from live
          </button>
        )}
      </div>
      {message && (
        <p className={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {asking && (
        <ConfirmDialog
          title="Refresh the draft from live?"
          confirm="Replace draft data"
          danger
          busy={busy}
          onConfirm={() => void refresh()}
          onCancel={() => setAsking(false)}
        >
          <p>
            The draft database of <strong>{id}</strong> gets a copy of the live data. Rows that exist only in the draft (test rows, the agent's sample calls)
            are replaced. The draft's newer migrations are applied again on the copy, so its schema stays as it is.
          </p>
          <p>The live data is only read, never changed.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
