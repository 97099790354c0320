import { useEffect, useState } from 'react';
import type { InvocationResult, ProjectInfo, ToolReply } from '../../../../wire/api.ts';
import { formatLogRecord } from '../../../../wire/log-text.ts';
import type { FunctionLogRecord } from '../../../../wire/logs.ts';
import { client } from '../api.ts';
import { SourceEditor, tool } from './source-editor.tsx';

/** A function's logs, streamed live from the server (server-sent events). The function's own lines are escaped and marked (log-text.ts). */
function LiveLogs({ id, fn }: { id: string; fn: string }) {
  const [records, setRecords] = useState<FunctionLogRecord[]>([]);
  useEffect(() => {
    setRecords([]);
    const source = new EventSource(`/api/tenants/${id}/functions/${fn}/logs?follow=1`);
    source.addEventListener('log', (event) => {
      const r = JSON.parse((event as MessageEvent<string>).data) as FunctionLogRecord;
      setRecords((all) => [...all.slice(-199), r]);
    });
    return () => source.close();
  }, [id, fn]);
  if (!records.length)
    return (
      <pre role="log" aria-label={`Logs of ${fn}`} style={{ maxHeight: 200 }}>
        No logs yet.
      </pre>
    );
  return (
    <pre role="log" aria-label={`Logs of ${fn}`} style={{ maxHeight: 200 }}>
      {records.map((r) => (
        <span
          key={r.seq}
          className={r.source === 'platform' ? 'log-platform' : 'log-app'}
        >{`${formatLogRecord({ time: r.time, source: r.source, level: r.level, message: r.message }, r.time.slice(11, 19))}\n`}</span>
      ))}
    </pre>
  );
}

/** The function's last calls (from its log: a start line and an end line per request), newest first. */
function RecentInvocations({ id, fn, refresh }: { id: string; fn: string; refresh: number }) {
  const [calls, setCalls] = useState<Array<{ requestId: string; time: string; request: string; status?: number; ms?: number }>>([]);
  useEffect(() => {
    client.request('GET /api/tenants/:id/functions/:name/logs', { params: { id, name: fn }, query: { limit: 500 } }).then(
      (r) => {
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
      },
      () => setCalls([]),
    );
  }, [id, fn, refresh]);
  if (!calls.length) return <p>No calls yet.</p>;
  return (
    <table aria-label={`Recent invocations of ${fn}`}>
      <thead>
        <tr>
          <th>Time</th>
          <th>Request</th>
          <th>Status</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {calls.map((c) => (
          <tr key={c.requestId}>
            <td>{c.time.slice(11, 19)}</td>
            <td>
              <code>{c.request}</code>
            </td>
            <td className={c.status && c.status >= 500 ? 'error' : ''}>{c.status ?? '…'}</td>
            <td>{c.ms !== undefined ? `${c.ms} ms` : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Functions({
  info,
  onChange,
  item,
  onItem,
}: {
  info: ProjectInfo;
  onChange: () => void;
  /** The function open (the address's item: `/apps/<id>/functions/<name>`). */
  item: string | null;
  onItem: (name: string | null) => void;
}) {
  const open = item;
  const setOpen = onItem;
  const [method, setMethod] = useState('GET');
  const [query, setQuery] = useState('');
  const [body, setBody] = useState('');
  const [answer, setAnswer] = useState<ToolReply<InvocationResult> | null>(null);
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
    setAnswer(await tool<InvocationResult>(info.id, 'invokeFunction', { name, request }));
    setCalls((n) => n + 1);
  }
  return (
    <div>
      <ul>
        {info.functions.map((f) => (
          <li key={f.name}>
            <button
              type="button"
              onClick={() => {
                setOpen(f.name);
                setAnswer(null);
              }}
            >
              {f.name}
            </button>{' '}
            <code>{f.url}</code>
          </li>
        ))}
      </ul>
      {info.functions.length === 0 && <p>No functions yet.</p>}
      {current && (
        <>
          <SourceEditor
            key={current.name}
            id={info.id}
            file={current.file}
            save={async (code) => {
              const result = await tool(info.id, 'createBackendFunction', { name: current.name, code });
              if (result.ok) onChange();
              return result;
            }}
          />
          <h3>Invoke</h3>
          <div className="row">
            <select aria-label="Method" value={method} onChange={(e) => setMethod(e.target.value)}>
              {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
            <input aria-label="Query" placeholder="?done=1" value={query} onChange={(e) => setQuery(e.target.value)} style={{ width: 120 }} />
            <input aria-label="JSON body" placeholder='{"text": "hi"}' value={body} onChange={(e) => setBody(e.target.value)} style={{ flex: 1 }} />
            <button type="button" onClick={() => void send(current.name)}>
              Send
            </button>
          </div>
          {answer &&
            (answer.ok ? (
              <figure aria-label="Invocation result">
                <pre>{`${answer.result.status} (${answer.result.ms} ms)\n${Object.entries(answer.result.headers)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('\n')}\n\n${answer.result.body}${answer.result.logs.length ? `\n\nlogs:\n${answer.result.logs.join('\n')}` : ''}`}</pre>
              </figure>
            ) : (
              <p className="error" role="alert">
                {answer.error.message}
              </p>
            ))}
          <h3>Recent invocations</h3>
          <RecentInvocations id={info.id} fn={current.name} refresh={calls} />
          <h3>Logs</h3>
          <LiveLogs id={info.id} fn={current.name} />
        </>
      )}
    </div>
  );
}
