import { useEffect, useState } from 'react';
import type { CommitDiff, CommitInfo } from '../../../../wire/api.ts';
import { client } from '../api.ts';

/** The app's commits, each with its diff, and a revert that makes a new commit through the same checks. */
export function History({ id, head, onChange }: { id: string; head: string; onChange: () => void }) {
  const [commits, setCommits] = useState<CommitInfo[]>([]);
  const [open, setOpen] = useState<({ id: string } & CommitDiff) | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    client.request('GET /api/tenants/:id/commits', { params: { id } }).then((c) => setCommits(c.commits));
  }, [id, head]);
  return (
    <div>
      <ol aria-label="Commits">
        {commits.map((c, i) => (
          <li key={c.id}>
            <code>{c.id.slice(0, 10)}</code> {c.message} <small>{new Date(c.timestamp * 1000).toLocaleString()}</small>{' '}
            <button
              type="button"
              aria-label={`Diff of ${c.id.slice(0, 10)}`}
              onClick={async () => setOpen({ id: c.id, ...(await client.request('GET /api/tenants/:id/commits/:commit', { params: { id, commit: c.id } })) })}
            >
              Diff
            </button>{' '}
            {i < commits.length - 1 && (
              <button
                type="button"
                aria-label={`Revert ${c.id.slice(0, 10)}`}
                onClick={async () => {
                  if (!window.confirm(`Revert "${c.message}"? This makes a new commit.`)) return;
                  try {
                    const r = await client.request('POST /api/tenants/:id/commits/:commit/revert', { params: { id, commit: c.id }, body: {} });
                    setMessage({ ok: true, text: `Reverted ${c.id.slice(0, 10)} in ${r.commit.slice(0, 10)}.` });
                    onChange();
                  } catch (err) {
                    setMessage({ ok: false, text: (err as Error).message });
                  }
                }}
              >
                Revert
              </button>
            )}
          </li>
        ))}
      </ol>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? '' : 'error'}>
          {message.text}
        </p>
      )}
      {open && (
        <>
          <h3>
            {open.id.slice(0, 10)}: {open.files.map((f) => `${f.change} ${f.path}`).join(', ')}
          </h3>
          <figure aria-label="Commit diff">
            <pre className="diff">
              {open.patch.split('\n').map((line, i) => (
                <span
                  key={i}
                  className={line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : ''}
                >
                  {line}
                  {'\n'}
                </span>
              ))}
            </pre>
          </figure>
        </>
      )}
    </div>
  );
}
