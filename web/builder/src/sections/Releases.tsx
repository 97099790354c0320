import { useEffect, useState } from 'react';
import type { DataLoss, Deployment, NameChanges, ProjectInfo, ReleaseSummary } from '../../../../wire/api.ts';
import { ApiError } from '../../../../wire/client.ts';
import { client, nextPatch } from '../api.ts';

/** Whether release version `a` is newer than `b` (major.minor.patch; a prerelease counts below its release). */
function newer(a: string, b: string): boolean {
  const parts = (v: string) => (/^(\d+)\.(\d+)\.(\d+)(-.+)?/.exec(v) ?? []).slice(1);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) > Number(y[i]);
  return !x[3] && Boolean(y[3]);
}

/** One line per table a deploy would lose data of. */
function lossLine(entry: DataLoss): string {
  const rows = `${entry.rows} row${entry.rows === 1 ? '' : 's'}`;
  if (entry.lost === 'table') return `${entry.table}: the table and its ${rows} would be dropped`;
  if (entry.lost === 'columns') return `${entry.table}: ${entry.columns.join(', ')} would be dropped (${rows})`;
  return `${entry.table}: ${entry.rows} rows would become ${entry.rowsAfter}`;
}

export function Releases({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  /** A deploy the server refused with CONFIRM_DATA_LOSS: what it would lose, for the owner to confirm or not. */
  const [pendingLoss, setPendingLoss] = useState<{ version: string; tables: DataLoss[]; verb: string } | null>(null);
  async function deploy(version: string, verb: string, confirmDataLoss = false): Promise<void> {
    try {
      const d = await client.request('POST /api/tenants/:id/releases/:version/deploy', {
        params: { id: info.id, version },
        body: confirmDataLoss ? { confirmDataLoss: true } : {},
      });
      const migrated =
        d.migrations.to > d.migrations.from
          ? ` The live database was migrated from ${d.migrations.from} to ${d.migrations.to} (snapshot ${d.migrations.snapshot} was taken first).`
          : '';
      setPendingLoss(null);
      setMessage(`${verb} ${version}.${migrated}${d.warnings.length ? ` ${d.warnings.join(' ')}` : ''}`);
      onChange();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONFIRM_DATA_LOSS') {
        setMessage(null);
        setPendingLoss({ version, verb, tables: (err.details?.tables as DataLoss[] | undefined) ?? [] });
        return;
      }
      setMessage((err as Error).message);
    }
  }
  const [releases, setReleases] = useState<ReleaseSummary[]>([]);
  const [version, setVersion] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const load = () =>
    client.request('GET /api/tenants/:id/releases', { params: { id: info.id } }).then((r) => {
      setReleases(r.releases);
      setVersion(nextPatch(r.releases.map((x) => x.version)));
    });
  const [deployments, setDeployments] = useState<Deployment[]>([]);
  const [diff, setDiff] = useState<{ from: string; to: string; text: string } | null>(null);
  useEffect(() => void load(), [info.id]);
  useEffect(() => {
    client.request('GET /api/tenants/:id/deployments', { params: { id: info.id } }).then((d) => setDeployments(d.deployments));
  }, [info.id, info.live, message]);
  async function showDiff(from: string, to: string) {
    const d = await client.request('GET /api/tenants/:id/releases/:from/diff/:to', { params: { id: info.id, from, to } });
    const part = (label: string, x: NameChanges) =>
      `${label}: added ${x.added.join(', ') || '-'} · changed ${x.changed.join(', ') || '-'} · removed ${x.removed.join(', ') || '-'}`;
    setDiff({
      from,
      to,
      text: `${part('components', d.components)}\n${part('functions', d.functions)}\nblueprint ${d.blueprintChanged ? 'changed' : 'unchanged'}\n\n${d.patch}`,
    });
  }
  return (
    <div>
      <p>
        Live: <strong>{info.live ?? 'nothing yet'}</strong>{' '}
        {deployments.at(-1)?.previousVersion && (
          <button
            type="button"
            onClick={() => {
              const back = deployments.at(-1)!.previousVersion!;
              void deploy(back, newer(back, info.live ?? '') ? 'Redeployed' : 'Rolled back to');
            }}
          >
            {newer(deployments.at(-1)!.previousVersion!, info.live ?? '')
              ? `Redeploy ${deployments.at(-1)!.previousVersion}`
              : `Roll back to ${deployments.at(-1)!.previousVersion}`}
          </button>
        )}
      </p>
      <div className="row">
        <input aria-label="Release version" value={version} onChange={(e) => setVersion(e.target.value)} />
        <button
          type="button"
          className="primary"
          onClick={async () => {
            try {
              await client.request('POST /api/tenants/:id/releases', { params: { id: info.id }, body: { version } });
              setMessage(`Released ${version}.`);
              await load();
            } catch (err) {
              setMessage((err as Error).message);
            }
          }}
        >
          Create release
        </button>
      </div>
      {message && <p role="status">{message}</p>}
      {pendingLoss && (
        <section role="alertdialog" aria-label="Deploying would lose live data" className="danger-panel">
          <h3>Deploying {pendingLoss.version} would lose live data</h3>
          <p>Its migrations would change the live database like this. Nothing has been changed yet.</p>
          <ul>
            {pendingLoss.tables.map((entry) => (
              <li key={entry.table}>{lossLine(entry)}</li>
            ))}
          </ul>
          <p>A snapshot of the live data is taken first, so it can be restored from the Database section.</p>
          <div className="row">
            <button type="button" className="danger" onClick={() => void deploy(pendingLoss.version, pendingLoss.verb, true)}>
              Deploy anyway
            </button>
            <button type="button" onClick={() => setPendingLoss(null)}>
              Cancel
            </button>
          </div>
        </section>
      )}
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Commit</th>
            <th />
            <th />
          </tr>
        </thead>
        <tbody>
          {releases.map((r, i) => (
            <tr key={r.version}>
              <td>
                {r.version}
                {info.live === r.version ? ' (live)' : ''}
              </td>
              <td>
                <code>{r.commit.slice(0, 10)}</code>
              </td>
              <td>
                {i > 0 && (
                  <button
                    type="button"
                    aria-label={`Diff ${releases[i - 1]!.version} to ${r.version}`}
                    onClick={() => showDiff(releases[i - 1]!.version, r.version)}
                  >
                    Diff
                  </button>
                )}
              </td>
              <td>
                <button type="button" aria-label={`Deploy ${r.version}`} onClick={() => void deploy(r.version, 'Deployed')}>
                  Deploy
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {diff && (
        <>
          <h3>
            {diff.from} → {diff.to}
          </h3>
          <figure aria-label="Release diff">
            <pre>{diff.text}</pre>
          </figure>
        </>
      )}
      <h3>Deployments</h3>
      <ol aria-label="Deployments">
        {deployments.map((d, i) => (
          <li key={i}>
            {d.previousVersion ?? '—'} → {d.version} <small>{new Date(d.deployedAt).toLocaleString()}</small>
          </li>
        ))}
      </ol>
    </div>
  );
}
