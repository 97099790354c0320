import { lazy, Suspense, useEffect, useState, type ComponentProps } from 'react';
import { formatLogRecord, type ShownLogRecord } from '../../../src/cli/log-text.ts';
import { api, nextPatch } from './api.ts';
import type { Language, Problem } from './CodeEditor.tsx';

// CodeMirror is most of the builder's weight: loaded when an editor first opens, not with the page.
const LazyEditor = lazy(() => import('./CodeEditor.tsx').then((m) => ({ default: m.CodeEditor })));
function CodeEditor(props: ComponentProps<typeof LazyEditor>) {
  return (
    <Suspense fallback={<p>Loading the editor…</p>}>
      <LazyEditor {...props} />
    </Suspense>
  );
}
import type { ProjectInfo } from './Project.tsx';

type ToolAnswer = { ok: boolean; result?: any; error?: { code: string; message: string; details?: { line?: number; column?: number; problems?: Array<{ line?: number; column?: number; message: string }> } } };

/** The problems of a failed tool call that have a line, for the editor's inline markers. */
function problemsOf(answer: ToolAnswer | null): Problem[] {
  const details = answer?.error?.details;
  if (!details) return [];
  const listed = (details.problems ?? []).filter((p): p is Problem => typeof p.line === 'number');
  if (listed.length) return listed;
  return typeof details.line === 'number' ? [{ line: details.line, ...(details.column ? { column: details.column } : {}), message: answer!.error!.message }] : [];
}

const languageOfFile = (file: string): Language => (file.endsWith('.tsx') ? 'tsx' : file.endsWith('.ts') ? 'ts' : file.endsWith('.json') ? 'json' : file.endsWith('.sql') ? 'sql' : 'js');

async function tool(id: string, name: string, args: unknown): Promise<ToolAnswer> {
  const res = await fetch(`/api/tenants/${id}/tools/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
  return res.json();
}

/** A source editor that saves through the same tool the agent uses; errors show inline at their line. */
function SourceEditor({ id, file, save }: { id: string; file: string; save: (code: string) => Promise<ToolAnswer> }) {
  const [code, setCode] = useState<string | null>(null);
  const [answer, setAnswer] = useState<ToolAnswer | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    api<{ content: string }>('GET', `/api/tenants/${id}/files?path=${encodeURIComponent(file)}`).then((f) => setCode(f.content), () => setCode(''));
  }, [id, file]);
  if (code === null) return <p>Loading…</p>;
  const error = answer && !answer.ok ? answer.error! : null;
  return (
    <div>
      <CodeEditor value={code} onChange={setCode} language={languageOfFile(file)} label={`Source of ${file}`} problems={problemsOf(answer)} />
      <div className="row">
        <button className="primary" disabled={saving} onClick={async () => {
          setSaving(true);
          try {
            setAnswer(await save(code));
          } finally {
            setSaving(false);
          }
        }}>{saving ? 'Saving…' : 'Save'}</button>
        {answer?.ok && <span role="status">Saved.</span>}
        {error && <span role="alert" className="error" style={{ whiteSpace: 'pre-wrap' }}>{`${error.code}${error.details?.line ? ` at line ${error.details.line}` : ''}: ${error.message}`}</span>}
      </div>
    </div>
  );
}

export function Components({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [records, setRecords] = useState<Array<{ name: string; bytes: number; bundle: string; version: number | null; status: string }>>([]);
  useEffect(() => {
    api<{ components: typeof records }>('GET', `/api/tenants/${info.id}/components`).then((r) => setRecords(r.components), () => setRecords([]));
  }, [info.id, info.head]);
  return (
    <div>
      <table aria-label="Components">
        <thead><tr><th>Component</th><th>Status</th><th>Version</th><th>Size</th><th>Bundle</th></tr></thead>
        <tbody>
          {records.map((c) => (
            <tr key={c.name}><td><button onClick={() => setOpen(c.name)}>{c.name}</button></td><td>{c.status}</td><td>{c.version ?? '-'}</td><td>{(c.bytes / 1024).toFixed(1)} KB</td><td><code>{c.bundle}</code></td></tr>
          ))}
        </tbody>
      </table>
      {info.components.length === 0 && <p>No components yet.</p>}
      {open && (
        <SourceEditor key={open} id={info.id} file={`frontend/${open}.tsx`} save={async (code) => {
          const answer = await tool(info.id, 'createFrontendComponent', { name: open, code });
          if (answer.ok) onChange();
          return answer;
        }} />
      )}
    </div>
  );
}

/** A function's logs, streamed live from the server (server-sent events). The function's own lines are escaped and marked (log-text.ts). */
function LiveLogs({ id, fn }: { id: string; fn: string }) {
  const [records, setRecords] = useState<Array<ShownLogRecord & { seq: number }>>([]);
  useEffect(() => {
    setRecords([]);
    const source = new EventSource(`/api/tenants/${id}/functions/${fn}/logs?follow=1`);
    source.addEventListener('log', (event) => {
      const r = JSON.parse((event as MessageEvent<string>).data) as ShownLogRecord & { seq: number };
      setRecords((all) => [...all.slice(-199), r]);
    });
    return () => source.close();
  }, [id, fn]);
  if (!records.length) return <pre aria-label={`Logs of ${fn}`} style={{ maxHeight: 200 }}>No logs yet.</pre>;
  return (
    <pre aria-label={`Logs of ${fn}`} style={{ maxHeight: 200 }}>
      {records.map((r) => (
        <span key={r.seq} className={r.source === 'platform' ? 'log-platform' : 'log-app'}>{`${formatLogRecord({ time: r.time, source: r.source, level: r.level, message: r.message }, r.time.slice(11, 19))}\n`}</span>
      ))}
    </pre>
  );
}

/** The function's last calls (from its log: a start line and an end line per request), newest first. */
function RecentInvocations({ id, fn, refresh }: { id: string; fn: string; refresh: number }) {
  const [calls, setCalls] = useState<Array<{ requestId: string; time: string; request: string; status?: number; ms?: number }>>([]);
  useEffect(() => {
    api<{ logs: Array<{ requestId: string; time: string; source: string; message: string; status?: number; durationMs?: number }> }>('GET', `/api/tenants/${id}/functions/${fn}/logs?limit=500`).then((r) => {
      const byRequest = new Map<string, { requestId: string; time: string; request: string; status?: number; ms?: number }>();
      for (const line of r.logs.filter((l) => l.source === 'platform')) {
        const entry = byRequest.get(line.requestId) ?? { requestId: line.requestId, time: line.time, request: '' };
        if (line.message.startsWith('start ')) entry.request = line.message.slice('start '.length);
        if (line.status !== undefined) {
          entry.status = line.status;
          entry.ms = line.durationMs;
        }
        byRequest.set(line.requestId, entry);
      }
      setCalls([...byRequest.values()].reverse().slice(0, 20));
    }, () => setCalls([]));
  }, [id, fn, refresh]);
  if (!calls.length) return <p>No calls yet.</p>;
  return (
    <table aria-label={`Recent invocations of ${fn}`}>
      <thead><tr><th>Time</th><th>Request</th><th>Status</th><th>Duration</th></tr></thead>
      <tbody>{calls.map((c) => <tr key={c.requestId}><td>{c.time.slice(11, 19)}</td><td><code>{c.request}</code></td><td className={c.status && c.status >= 500 ? 'error' : ''}>{c.status ?? '…'}</td><td>{c.ms !== undefined ? `${c.ms} ms` : ''}</td></tr>)}</tbody>
    </table>
  );
}

export function Functions({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [method, setMethod] = useState('GET');
  const [query, setQuery] = useState('');
  const [body, setBody] = useState('');
  const [answer, setAnswer] = useState<ToolAnswer | null>(null);
  const [calls, setCalls] = useState(0);
  const current = info.functions.find((f) => f.name === open);
  async function send(name: string) {
    let parsed: unknown;
    try {
      parsed = body.trim() ? JSON.parse(body) : undefined;
    } catch {
      setAnswer({ ok: false, error: { code: 'INVALID_JSON', message: 'The body is not valid JSON.' } });
      return;
    }
    const search = new URLSearchParams(query.replace(/^\?/, ''));
    const request = { method, ...(search.size ? { query: Object.fromEntries(search) } : {}), ...(parsed === undefined ? {} : { body: parsed }) };
    setAnswer(await tool(info.id, 'invokeFunction', { name, request }));
    setCalls((n) => n + 1);
  }
  return (
    <div>
      <ul>{info.functions.map((f) => <li key={f.name}><button onClick={() => { setOpen(f.name); setAnswer(null); }}>{f.name}</button> <code>{f.url}</code></li>)}</ul>
      {info.functions.length === 0 && <p>No functions yet.</p>}
      {current && (
        <>
          <SourceEditor key={current.name} id={info.id} file={current.file} save={async (code) => {
            const result = await tool(info.id, 'createBackendFunction', { name: current.name, code });
            if (result.ok) onChange();
            return result;
          }} />
          <h3>Invoke</h3>
          <div className="row">
            <select aria-label="Method" value={method} onChange={(e) => setMethod(e.target.value)}>{['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => <option key={m}>{m}</option>)}</select>
            <input aria-label="Query" placeholder="?done=1" value={query} onChange={(e) => setQuery(e.target.value)} style={{ width: 120 }} />
            <input aria-label="JSON body" placeholder='{"text": "hi"}' value={body} onChange={(e) => setBody(e.target.value)} style={{ flex: 1 }} />
            <button onClick={() => void send(current.name)}>Send</button>
          </div>
          {answer && (answer.ok
            ? <pre aria-label="Invocation result">{`${answer.result.status} (${answer.result.ms} ms)\n${Object.entries(answer.result.headers as Record<string, string>).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${answer.result.body}${answer.result.logs.length ? `\n\nlogs:\n${answer.result.logs.join('\n')}` : ''}`}</pre>
            : <p className="error" role="alert">{answer.error!.message}</p>)}
          <h3>Recent invocations</h3>
          <RecentInvocations id={info.id} fn={current.name} refresh={calls} />
          <h3>Logs</h3>
          <LiveLogs id={info.id} fn={current.name} />
        </>
      )}
    </div>
  );
}

const PAGE_SIZE = 50;

interface RowsPage {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  more: boolean;
}

/** One table's rows, a page at a time (read-only). */
function TableRows({ id, table }: { id: string; table: string }) {
  const [page, setPage] = useState(0);
  const [result, setResult] = useState<RowsPage | string | null>(null);
  useEffect(() => {
    api<RowsPage>('GET', `/api/tenants/${id}/database/tables/${encodeURIComponent(table)}/rows?limit=${PAGE_SIZE}&offset=${page * PAGE_SIZE}`).then(setResult, (err: Error) => setResult(err.message));
  }, [id, table, page]);
  if (result === null) return <p>Loading…</p>;
  if (typeof result === 'string') return <p className="error" role="alert">{result}</p>;
  return (
    <div>
      <table aria-label={`Rows of ${table}`}>
        <thead><tr>{result.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
        <tbody>{result.rows.map((r, i) => <tr key={i}>{result.columns.map((c) => <td key={c}>{r[c] === null ? <em>null</em> : String(r[c])}</td>)}</tr>)}</tbody>
      </table>
      <div className="row">
        <button disabled={page === 0} onClick={() => setPage((p) => p - 1)}>Previous</button>
        <span>Rows {result.rows.length ? page * PAGE_SIZE + 1 : 0}–{page * PAGE_SIZE + result.rows.length}</span>
        <button disabled={!result.more} onClick={() => setPage((p) => p + 1)}>Next</button>
      </div>
    </div>
  );
}

export function Database({ id }: { id: string }) {
  const [tables, setTables] = useState<Array<{ name: string; columns: Array<{ name: string; type: string }>; rowCount?: number }>>([]);
  const [browsing, setBrowsing] = useState<string | null>(null);
  const [sql, setSql] = useState('');
  const [result, setResult] = useState<ToolAnswer | null>(null);
  useEffect(() => {
    api<{ tables: typeof tables }>('GET', `/api/tenants/${id}/database`).then((d) => setTables(d.tables));
  }, [id]);
  return (
    <div>
      <table aria-label="Tables">
        <thead><tr><th>Table</th><th>Rows</th><th>Columns</th></tr></thead>
        <tbody>
          {tables.map((t) => (
            <tr key={t.name}>
              <td><button aria-label={`Browse ${t.name}`} onClick={() => setBrowsing(t.name)}>{t.name}</button></td>
              <td>{t.rowCount ?? 0}</td>
              <td>{t.columns.map((c) => `${c.name} ${c.type}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tables.length === 0 && <p>No tables yet.</p>}
      {browsing && <TableRows key={browsing} id={id} table={browsing} />}
      <h3>SQL console (read-only)</h3>
      <div className="row">
        <input aria-label="SQL query" placeholder="SELECT * FROM notes LIMIT 20" value={sql} onChange={(e) => setSql(e.target.value)} style={{ flex: 1 }} />
        <button onClick={async () => setResult(await tool(id, 'queryDatabase', { sql }))}>Run (read-only)</button>
      </div>
      {result && (result.ok ? (
        <table aria-label="Query result"><thead><tr>{result.result.columns.map((c: string) => <th key={c}>{c}</th>)}</tr></thead>
          <tbody>{result.result.rows.map((r: Record<string, unknown>, i: number) => <tr key={i}>{result.result.columns.map((c: string) => <td key={c}>{String(r[c])}</td>)}</tr>)}</tbody></table>
      ) : <p className="error" role="alert">{result.error!.message}</p>)}
    </div>
  );
}

/** Whether release version `a` is newer than `b` (major.minor.patch; a prerelease counts below its release). */
function newer(a: string, b: string): boolean {
  const parts = (v: string) => (/^(\d+)\.(\d+)\.(\d+)(-.+)?/.exec(v) ?? []).slice(1);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) > Number(y[i]);
  return !x[3] && Boolean(y[3]);
}

export function Releases({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  const [releases, setReleases] = useState<Array<{ version: string; commit: string; createdAt: string }>>([]);
  const [version, setVersion] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const load = () => api<{ releases: typeof releases }>('GET', `/api/tenants/${info.id}/releases`).then((r) => {
    setReleases(r.releases);
    setVersion(nextPatch(r.releases.map((x) => x.version)));
  });
  const [deployments, setDeployments] = useState<Array<{ version: string; previousVersion: string | null; deployedAt: string }>>([]);
  const [diff, setDiff] = useState<{ from: string; to: string; text: string } | null>(null);
  useEffect(() => void load(), [info.id]);
  useEffect(() => {
    api<{ deployments: typeof deployments }>('GET', `/api/tenants/${info.id}/deployments`).then((d) => setDeployments(d.deployments));
  }, [info.id, info.live, message]);
  async function showDiff(from: string, to: string) {
    const d = await api<{ components: Record<string, string[]>; functions: Record<string, string[]>; blueprintChanged: boolean; patch: string }>('GET', `/api/tenants/${info.id}/releases/${from}/diff/${to}`);
    const part = (label: string, x: Record<string, string[]>) => `${label}: added ${x.added!.join(', ') || '-'} · changed ${x.changed!.join(', ') || '-'} · removed ${x.removed!.join(', ') || '-'}`;
    setDiff({ from, to, text: `${part('components', d.components)}\n${part('functions', d.functions)}\nblueprint ${d.blueprintChanged ? 'changed' : 'unchanged'}\n\n${d.patch}` });
  }
  return (
    <div>
      <p>
        Live: <strong>{info.live ?? 'nothing yet'}</strong>{' '}
        {deployments.at(-1)?.previousVersion && (
          <button onClick={async () => {
            const back = deployments.at(-1)!.previousVersion!;
            try { await api('POST', `/api/tenants/${info.id}/releases/${back}/deploy`, {}); setMessage(`Rolled back to ${back}.`); onChange(); } catch (err) { setMessage((err as Error).message); }
          }}>{newer(deployments.at(-1)!.previousVersion!, info.live ?? '') ? `Redeploy ${deployments.at(-1)!.previousVersion}` : `Roll back to ${deployments.at(-1)!.previousVersion}`}</button>
        )}
      </p>
      <div className="row">
        <input aria-label="Release version" value={version} onChange={(e) => setVersion(e.target.value)} />
        <button className="primary" onClick={async () => {
          try { await api('POST', `/api/tenants/${info.id}/releases`, { version }); setMessage(`Released ${version}.`); await load(); } catch (err) { setMessage((err as Error).message); }
        }}>Create release</button>
      </div>
      {message && <p role="status">{message}</p>}
      <table>
        <thead><tr><th>Version</th><th>Commit</th><th /><th /></tr></thead>
        <tbody>
          {releases.map((r, i) => (
            <tr key={r.version}>
              <td>{r.version}{info.live === r.version ? ' (live)' : ''}</td><td><code>{r.commit.slice(0, 10)}</code></td>
              <td>{i > 0 && <button aria-label={`Diff ${releases[i - 1]!.version} to ${r.version}`} onClick={() => showDiff(releases[i - 1]!.version, r.version)}>Diff</button>}</td>
              <td><button aria-label={`Deploy ${r.version}`} onClick={async () => {
                try { const d = await api<{ warnings: string[] }>('POST', `/api/tenants/${info.id}/releases/${r.version}/deploy`, {}); setMessage(`Deployed ${r.version}.${d.warnings.length ? ` ${d.warnings.join(' ')}` : ''}`); onChange(); } catch (err) { setMessage((err as Error).message); }
              }}>Deploy</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {diff && <><h3>{diff.from} → {diff.to}</h3><pre aria-label="Release diff">{diff.text}</pre></>}
      <h3>Deployments</h3>
      <ol aria-label="Deployments">
        {deployments.map((d, i) => <li key={i}>{d.previousVersion ?? '—'} → {d.version} <small>{new Date(d.deployedAt).toLocaleString()}</small></li>)}
      </ol>
    </div>
  );
}

/** The app's commits, each with its diff, and a revert that makes a new commit through the same checks. */
export function History({ id, head, onChange }: { id: string; head: string; onChange: () => void }) {
  const [commits, setCommits] = useState<Array<{ id: string; message: string; timestamp: number }>>([]);
  const [open, setOpen] = useState<{ id: string; patch: string; files: Array<{ path: string; change: string }> } | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    api<{ commits: typeof commits }>('GET', `/api/tenants/${id}/commits`).then((c) => setCommits(c.commits));
  }, [id, head]);
  return (
    <div>
      <ol aria-label="Commits">
        {commits.map((c, i) => (
          <li key={c.id}>
            <code>{c.id.slice(0, 10)}</code> {c.message} <small>{new Date(c.timestamp * 1000).toLocaleString()}</small>{' '}
            <button aria-label={`Diff of ${c.id.slice(0, 10)}`} onClick={async () => setOpen({ id: c.id, ...(await api<{ patch: string; files: Array<{ path: string; change: string }> }>('GET', `/api/tenants/${id}/commits/${c.id}`)) })}>Diff</button>{' '}
            {i < commits.length - 1 && (
              <button aria-label={`Revert ${c.id.slice(0, 10)}`} onClick={async () => {
                if (!window.confirm(`Revert "${c.message}"? This makes a new commit.`)) return;
                try {
                  const r = await api<{ commit: string }>('POST', `/api/tenants/${id}/commits/${c.id}/revert`, {});
                  setMessage({ ok: true, text: `Reverted ${c.id.slice(0, 10)} in ${r.commit.slice(0, 10)}.` });
                  onChange();
                } catch (err) {
                  setMessage({ ok: false, text: (err as Error).message });
                }
              }}>Revert</button>
            )}
          </li>
        ))}
      </ol>
      {message && <p role={message.ok ? 'status' : 'alert'} className={message.ok ? '' : 'error'}>{message.text}</p>}
      {open && (
        <>
          <h3>{open.id.slice(0, 10)}: {open.files.map((f) => `${f.change} ${f.path}`).join(', ')}</h3>
          <pre aria-label="Commit diff" className="diff">{open.patch.split('\n').map((line, i) => <span key={i} className={line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : ''}>{line}{'\n'}</span>)}</pre>
        </>
      )}
    </div>
  );
}

type Node = { component: string; props?: unknown; data?: Record<string, { function: string }>; children?: Node[] };

function NodeTree({ node }: { node: Node }) {
  const bindings = Object.entries(node.data ?? {}).map(([prop, b]) => `${prop} ← /api/${b.function}`);
  return (
    <li>
      <strong>{node.component}</strong>{bindings.length ? <small> ({bindings.join(', ')})</small> : null}
      {node.children?.length ? <ul>{node.children.map((child, i) => <NodeTree key={i} node={child} />)}</ul> : null}
    </li>
  );
}

/** The blueprint as a tree of routes and nodes, beside its JSON, saved through updateUILayout. */
export function Routes({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  const blueprint = info.blueprint as { routes: Array<{ path: string; title?: string; root: Node }> };
  const [text, setText] = useState(() => JSON.stringify(info.blueprint, null, 2));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <div>
      <ul aria-label="Routes">
        {blueprint.routes.map((route) => (
          <li key={route.path}><code>{route.path}</code> {route.title ?? ''}<ul><NodeTree node={route.root} /></ul></li>
        ))}
      </ul>
      {blueprint.routes.length === 0 && <p>No routes yet.</p>}
      <CodeEditor value={text} onChange={setText} language="json" label="Blueprint JSON" height={260} />
      <div className="row">
        <button className="primary" onClick={async () => {
          let parsed: unknown;
          try { parsed = JSON.parse(text); } catch (err) { setMessage({ ok: false, text: `Not valid JSON: ${(err as Error).message}` }); return; }
          const answer = await tool(info.id, 'updateUILayout', { blueprint: parsed });
          setMessage(answer.ok ? { ok: true, text: 'Saved.' } : { ok: false, text: `${answer.error!.code}: ${answer.error!.message}` });
          if (answer.ok) onChange();
        }}>Save layout</button>
        {message && <span role={message.ok ? 'status' : 'alert'} className={message.ok ? '' : 'error'} style={{ whiteSpace: 'pre-wrap' }}>{message.text}</span>}
      </div>
    </div>
  );
}
