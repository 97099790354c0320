import { useEffect, useState } from 'react';
import type { PackageInfo } from '../../../wire/api.ts';
import { client } from './api.ts';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * The app's npm packages as its lockfile pins them: what the code imports (with who imports it and
 * the module the browser gets), then what those pulled in. The agent adds packages by importing them.
 */
export function Packages({ id, head }: { id: string; head: string }) {
  const [packages, setPackages] = useState<PackageInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(
    () =>
      void client.request('GET /api/tenants/:id/packages', { params: { id } }).then(
        (r) => setPackages(r.packages),
        (e: Error) => setError(e.message),
      ),
    [id, head],
  );
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!packages) return <p>Loading…</p>;
  if (packages.length === 0)
    return (
      <p>
        No npm packages yet: a component or function that imports one by name (e.g. <code>import {'{ format }'} from 'date-fns'</code>) adds it, pinned in{' '}
        <code>package-lock.json</code>.
      </p>
    );
  const direct = packages.filter((p) => p.direct);
  const pulledIn = packages.filter((p) => !p.direct);
  return (
    <div>
      <h2>Packages</h2>
      <table aria-label="Packages">
        <thead>
          <tr>
            <th>Package</th>
            <th>Version</th>
            <th>Imported by</th>
            <th>In the browser</th>
            <th>Depends on</th>
          </tr>
        </thead>
        <tbody>
          {direct.map((p) => (
            <tr key={p.name}>
              <td>
                <strong>{p.name}</strong>
              </td>
              <td>{p.version}</td>
              <td>{[...(p.usedBy?.components ?? []), ...(p.usedBy?.functions ?? []).map((f) => `${f} (function)`)].join(', ')}</td>
              <td>{p.browserModules.map((m) => `${m.specifier} ${kib(m.bytes)}`).join(', ') || '—'}</td>
              <td>
                {Object.entries(p.dependencies)
                  .map(([n, v]) => `${n}@${v}`)
                  .join(', ') || '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pulledIn.length > 0 && (
        <>
          <h3>Pulled in by those</h3>
          <table aria-label="Dependencies of packages">
            <thead>
              <tr>
                <th>Package</th>
                <th>Version</th>
                <th>Needed by</th>
              </tr>
            </thead>
            <tbody>
              {pulledIn.map((p) => (
                <tr key={`${p.name}@${p.version}`}>
                  <td>{p.name}</td>
                  <td>{p.version}</td>
                  <td>{p.requiredBy?.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p className="hint">
        Install scripts never run. Exact versions and integrity hashes are in the app's <code>package-lock.json</code> (History shows each change).
      </p>
    </div>
  );
}
