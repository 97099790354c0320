import { useEffect, useState } from 'react';
import { api, nextPatch } from './api.ts';
import type { ProjectInfo } from './Project.tsx';

type ToolAnswer = { ok: boolean; result?: any; error?: { code: string; message: string; details?: { line?: number } } };

async function tool(id: string, name: string, args: unknown): Promise<ToolAnswer> {
  const res = await fetch(`/api/tenants/${id}/tools/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
  return res.json();
}

/** A source editor that saves through the same tool the agent uses; errors show with their line. */
function SourceEditor({ id, file, save }: { id: string; file: string; save: (code: string) => Promise<ToolAnswer> }) {
  const [code, setCode] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    api<{ content: string }>('GET', `/api/tenants/${id}/files?path=${encodeURIComponent(file)}`).then((f) => setCode(f.content), () => setCode(''));
  }, [id, file]);
  if (code === null) return <p>Loading…</p>;
  return (
    <div>
      <textarea aria-label={`Source of ${file}`} value={code} onChange={(e) => setCode(e.target.value)} spellCheck={false} style={{ width: '100%', height: 260, fontFamily: 'ui-monospace, monospace', fontSize: 13 }} />
      <div className="row">
        <button className="primary" onClick={async () => {
          const answer = await save(code);
          setMessage(answer.ok ? { ok: true, text: 'Saved.' } : { ok: false, text: `${answer.error!.code}${answer.error!.details?.line ? ` at line ${answer.error!.details.line}` : ''}: ${answer.error!.message}` });
        }}>Save</button>
        {message && <span role={message.ok ? 'status' : 'alert'} className={message.ok ? '' : 'error'} style={{ whiteSpace: 'pre-wrap' }}>{message.text}</span>}
      </div>
    </div>
  );
}

export function Components({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div>
      <table>
        <thead><tr><th>Component</th><th>Size</th><th>Bundle</th></tr></thead>
        <tbody>
          {info.components.map((c) => (
            <tr key={c.name}><td><button onClick={() => setOpen(c.name)}>{c.name}</button></td><td>{c.bytes} B</td><td>{c.hash.slice(0, 12)}</td></tr>
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

/** A function's logs, streamed live from the server (server-sent events). */
function LiveLogs({ id, fn }: { id: string; fn: string }) {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    setLines([]);
    const source = new EventSource(`/api/tenants/${id}/functions/${fn}/logs?follow=1`);
    source.addEventListener('log', (event) => {
      const r = JSON.parse((event as MessageEvent<string>).data) as { time: string; source: string; level: string; message: string };
      setLines((all) => [...all.slice(-199), `${r.time.slice(11, 19)} ${r.source === 'platform' ? '[tessera]' : `[${r.level}]`} ${r.message}`]);
    });
    return () => source.close();
  }, [id, fn]);
  return <pre aria-label={`Logs of ${fn}`} style={{ maxHeight: 200 }}>{lines.join('\n') || 'No logs yet.'}</pre>;
}

export function Functions({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [method, setMethod] = useState('GET');
  const [body, setBody] = useState('');
  const [answer, setAnswer] = useState<ToolAnswer | null>(null);
  const current = info.functions.find((f) => f.name === open);
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
            <select aria-label="Method" value={method} onChange={(e) => setMethod(e.target.value)}>{['GET', 'POST', 'PUT', 'DELETE'].map((m) => <option key={m}>{m}</option>)}</select>
            <input aria-label="JSON body" placeholder='{"text": "hi"}' value={body} onChange={(e) => setBody(e.target.value)} style={{ flex: 1 }} />
            <button onClick={async () => {
              let parsed: unknown;
              try { parsed = body ? JSON.parse(body) : undefined; } catch { setAnswer({ ok: false, error: { code: 'INVALID_JSON', message: 'The body is not valid JSON.' } }); return; }
              setAnswer(await tool(info.id, 'invokeFunction', { name: current.name, request: { method, ...(parsed === undefined ? {} : { body: parsed }) } }));
            }}>Send</button>
          </div>
          {answer && (answer.ok
            ? <pre aria-label="Invocation result">{`${answer.result.status}\n${answer.result.body}${answer.result.logs.length ? `\n\nlogs:\n${answer.result.logs.join('\n')}` : ''}`}</pre>
            : <p className="error" role="alert">{answer.error!.message}</p>)}
          <h3>Logs</h3>
          <LiveLogs id={info.id} fn={current.name} />
        </>
      )}
    </div>
  );
}

export function Database({ id }: { id: string }) {
  const [tables, setTables] = useState<Array<{ name: string; columns: Array<{ name: string; type: string }>; rowCount?: number }>>([]);
  const [sql, setSql] = useState('');
  const [result, setResult] = useState<ToolAnswer | null>(null);
  useEffect(() => {
    api<{ tables: typeof tables }>('GET', `/api/tenants/${id}/database`).then((d) => setTables(d.tables));
  }, [id]);
  return (
    <div>
      {tables.map((t) => <p key={t.name}><strong>{t.name}</strong> ({t.rowCount ?? 0} rows): {t.columns.map((c) => `${c.name} ${c.type}`).join(', ')}</p>)}
      {tables.length === 0 && <p>No tables yet.</p>}
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
      <p>Live: <strong>{info.live ?? 'nothing yet'}</strong></p>
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

export function History({ id, head }: { id: string; head: string }) {
  const [commits, setCommits] = useState<Array<{ id: string; message: string; timestamp: number }>>([]);
  useEffect(() => {
    api<{ commits: typeof commits }>('GET', `/api/tenants/${id}/commits`).then((c) => setCommits(c.commits));
  }, [id, head]);
  return (
    <ol aria-label="Commits">
      {commits.map((c) => <li key={c.id}><code>{c.id.slice(0, 10)}</code> {c.message} <small>{new Date(c.timestamp * 1000).toLocaleString()}</small></li>)}
    </ol>
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
      <textarea aria-label="Blueprint JSON" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} style={{ width: '100%', height: 240, fontFamily: 'ui-monospace, monospace', fontSize: 13 }} />
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
