import { Fragment, useEffect, useState, type ReactNode } from 'react';
import { describeAppCheck, isAppCheckOutcome } from '../../../wire/agent-events.ts';
import type { AgentMessage as Message } from '../../../wire/api.ts';
import { client } from './api.ts';

type Entry = { kind: 'prompt' | 'text' | 'info' | 'ok' | 'fail'; text: string } | { kind: 'call'; name: string; args: unknown };

const SQL_KEYWORDS =
  /\b(SELECT|FROM|WHERE|INSERT|INTO|VALUES|UPDATE|SET|DELETE|CREATE|TABLE|INDEX|VIEW|ALTER|ADD|COLUMN|DROP|PRIMARY|KEY|NOT|NULL|DEFAULT|UNIQUE|REFERENCES|ON|AND|OR|ORDER|BY|GROUP|LIMIT|OFFSET|JOIN|LEFT|AS|INTEGER|TEXT|REAL|BLOB|IF|EXISTS|CHECK|AUTOINCREMENT)\b/gi;

/** SQL with its keywords marked, for reading at a glance. */
function HighlightedSql({ sql }: { sql: string }): ReactNode {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of sql.matchAll(SQL_KEYWORDS)) {
    parts.push(
      sql.slice(last, match.index),
      <b key={match.index} className="sql">
        {match[0]}
      </b>,
    );
    last = match.index! + match[0].length;
  }
  parts.push(sql.slice(last));
  return (
    <figure aria-label="SQL">
      <pre>{parts}</pre>
    </figure>
  );
}

/** A tool call made readable: SQL highlighted, code collapsed, the rest as JSON. */
function ToolCall({ name, args }: { name: string; args: unknown }) {
  const fields = typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : { arguments: args };
  return (
    <div>
      <strong>→ {name}</strong>
      {Object.entries(fields).map(([key, value]) => (
        <Fragment key={key}>
          {key === 'sql' && typeof value === 'string' ? (
            <HighlightedSql sql={value} />
          ) : key === 'code' && typeof value === 'string' ? (
            <details className="args">
              <summary>code ({value.split('\n').length} lines)</summary>
              <pre>{value}</pre>
            </details>
          ) : (
            <div>
              <code>{key}</code>: <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>
            </div>
          )}
        </Fragment>
      ))}
    </div>
  );
}

function parseArgs(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The stored conversation as chat entries: prompts, the model's words, each call and its outcome. */
function transcript(messages: Message[]): Entry[] {
  const names = new Map<string, string>();
  const entries: Entry[] = [];
  for (const m of messages) {
    if (m.role === 'user' && m.content) entries.push({ kind: 'prompt', text: m.content });
    if (m.role === 'assistant') {
      if (m.content) entries.push({ kind: 'text', text: m.content });
      for (const call of m.tool_calls ?? []) {
        names.set(call.id, call.function.name);
        entries.push({ kind: 'call', name: call.function.name, args: parseArgs(call.function.arguments) });
      }
    }
    if (m.role === 'tool') {
      const name = names.get(m.tool_call_id ?? '') ?? 'tool';
      const result = parseArgs(m.content ?? '') as { ok?: boolean; error?: { code: string; message: string } };
      entries.push(
        result?.ok === false && result.error
          ? { kind: 'fail', text: `${name} ✗ ${result.error.code}: ${result.error.message}` }
          : { kind: 'ok', text: `${name} ✓` },
      );
    }
  }
  return entries;
}

/** The agent chat: the earlier conversation, then the run streaming in step by step. */
export function Chat({ id, onChange, canRun = true }: { id: string; onChange: () => void; canRun?: boolean }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [earlier, setEarlier] = useState<number>(0);
  const [prompt, setPrompt] = useState('');
  const [running, setRunning] = useState(false);

  useEffect(() => {
    client.request('GET /api/tenants/:id/agent', { params: { id } }).then((h) => {
      setProblem(h.configured ? null : h.problem);
      const past = transcript(h.messages ?? []);
      setEntries(past);
      setEarlier(h.runs.length);
    });
  }, [id]);

  const canSend = Boolean(prompt.trim()) && !running && !problem && canRun;

  async function send(event: React.FormEvent) {
    event.preventDefault();
    if (!canSend) return;
    const add = (entry: Entry) => setEntries((list) => [...list, entry]);
    add({ kind: 'prompt', text: prompt });
    setPrompt('');
    setRunning(true);
    try {
      for await (const e of client.runAgent(id, prompt)) {
        if (e.type === 'text')
          setEntries((list) =>
            list.at(-1)?.kind === 'text'
              ? [...list.slice(0, -1), { kind: 'text', text: (list.at(-1) as { text: string }).text + e.delta }]
              : [...list, { kind: 'text', text: e.delta }],
          );
        else if (e.type === 'step') add({ kind: 'info', text: `Step ${e.step}` });
        else if (e.type === 'tool_call') add({ kind: 'call', name: e.name, args: typeof e.arguments === 'string' ? parseArgs(e.arguments) : e.arguments });
        else if (e.type === 'tool_result' && e.ok && e.name === 'checkApp' && isAppCheckOutcome(e.result)) {
          // The app check, live: a line per problem it found in the draft.
          for (const line of describeAppCheck(e.result)) add({ kind: e.result.ok ? 'ok' : 'fail', text: line });
        } else if (e.type === 'tool_result') {
          add(e.ok ? { kind: 'ok', text: `${e.name} ✓ (${e.ms} ms)` } : { kind: 'fail', text: `${e.name} ✗ ${e.error.code}: ${e.error.message}` });
          if (e.ok) onChange();
        } else if (e.type === 'usage') add({ kind: 'info', text: `tokens: ${e.usage.promptTokens} in, ${e.usage.completionTokens} out` });
        else if (e.type === 'error') add({ kind: 'fail', text: `${e.error.code}: ${e.error.message}` });
        else if (e.type === 'done') {
          add({ kind: 'info', text: `Done: ${e.reason}${e.message ? `: ${e.message}` : ''}` });
          if (e.appCheck) add({ kind: e.appCheck.ok ? 'ok' : 'fail', text: describeAppCheck(e.appCheck)[0]! });
        }
      }
    } catch (err) {
      add({ kind: 'fail', text: (err as Error).message });
    } finally {
      setRunning(false);
    }
  }

  /** Enter sends, as in every chat product; Shift+Enter breaks the line, and an IME's Enter picks its word. */
  function sendOnEnter(event: React.KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    if (canSend) event.currentTarget.form?.requestSubmit();
  }

  return (
    <div>
      {problem && (
        <div className="banner" role="status">
          The agent is not configured. {problem} The rest of the builder works without it.
        </div>
      )}
      {earlier > 0 && (
        <p className="hint">
          {earlier} earlier run{earlier === 1 ? '' : 's'} of the agent in this project.
        </p>
      )}
      <div role="log" aria-label="Conversation">
        {entries.map((entry, i) => (
          <div key={i} className={`event ${entry.kind === 'ok' ? 'ok' : entry.kind === 'fail' ? 'fail' : entry.kind === 'text' ? 'text' : ''}`}>
            {entry.kind === 'call' ? (
              <ToolCall name={entry.name} args={entry.args} />
            ) : entry.kind === 'prompt' ? (
              <strong>You: {entry.text}</strong>
            ) : (
              entry.text
            )}
          </div>
        ))}
      </div>
      <form onSubmit={send} className="row">
        <textarea
          aria-label="Prompt"
          rows={3}
          style={{ flex: 1 }}
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={sendOnEnter}
          placeholder="Describe the app you want… (Enter sends, Shift+Enter for a new line)"
        />
        <button type="submit" className="primary" disabled={!canSend} title={canRun ? undefined : 'Viewers cannot run the agent'}>
          Send
        </button>
        {running && (
          <button type="button" onClick={() => client.request('POST /api/tenants/:id/agent/cancel', { params: { id }, body: {} })}>
            Cancel
          </button>
        )}
      </form>
    </div>
  );
}
