import { useEffect, useState } from 'react';
import { api, runAgent } from './api.ts';

type Entry = { kind: 'prompt' | 'text' | 'call' | 'ok' | 'fail' | 'info'; text: string };

function summarize(value: unknown, max = 600): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The agent chat: earlier prompts, then the run streaming in step by step. */
export function Chat({ id, onChange }: { id: string; onChange: () => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [prompt, setPrompt] = useState('');
  const [running, setRunning] = useState(false);

  useEffect(() => {
    api<{ configured: boolean; problem: string | null; runs: Array<{ prompt: string; reason?: string }> }>('GET', `/api/tenants/${id}/agent`).then((h) => {
      setProblem(h.configured ? null : h.problem);
      setEntries(h.runs.map((r) => ({ kind: 'prompt', text: `${r.prompt}${r.reason ? `  (${r.reason})` : ''}` })));
    });
  }, [id]);

  async function send(event: React.FormEvent) {
    event.preventDefault();
    const add = (entry: Entry) => setEntries((list) => [...list, entry]);
    add({ kind: 'prompt', text: prompt });
    setPrompt('');
    setRunning(true);
    try {
      await runAgent(id, prompt, (type, e) => {
        if (type === 'text') setEntries((list) => (list.at(-1)?.kind === 'text' ? [...list.slice(0, -1), { kind: 'text', text: list.at(-1)!.text + e.delta }] : [...list, { kind: 'text', text: e.delta }]));
        else if (type === 'step') add({ kind: 'info', text: `Step ${e.step}` });
        else if (type === 'tool_call') add({ kind: 'call', text: `${e.name} ${summarize(e.arguments, 300)}` });
        else if (type === 'tool_result') {
          add(e.ok ? { kind: 'ok', text: `${e.name} ✓ (${e.ms} ms)` } : { kind: 'fail', text: `${e.name} ✗ ${e.error.code}: ${e.error.message}` });
          if (e.ok) onChange();
        } else if (type === 'usage') add({ kind: 'info', text: `tokens: ${e.usage.promptTokens} in, ${e.usage.completionTokens} out` });
        else if (type === 'error') add({ kind: 'fail', text: `${e.error.code}: ${e.error.message}` });
        else if (type === 'done') add({ kind: 'info', text: `Done: ${e.reason}${e.message ? `: ${e.message}` : ''}` });
      });
    } catch (err) {
      add({ kind: 'fail', text: (err as Error).message });
    } finally {
      setRunning(false);
    }
  }

  return (
    <div>
      {problem && <div className="banner" role="status">The agent is not configured. {problem} The rest of the builder works without it.</div>}
      <div aria-label="Conversation">
        {entries.map((entry, i) => (
          <div key={i} className={`event ${entry.kind === 'ok' ? 'ok' : entry.kind === 'fail' ? 'fail' : entry.kind === 'text' ? 'text' : ''}`}>
            {entry.kind === 'prompt' ? <strong>You: {entry.text}</strong> : entry.text}
          </div>
        ))}
      </div>
      <form onSubmit={send} className="row">
        <textarea aria-label="Prompt" rows={3} style={{ flex: 1 }} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="Describe the app you want…" />
        <button className="primary" disabled={!prompt.trim() || running || Boolean(problem)}>Send</button>
        {running && <button type="button" onClick={() => api('POST', `/api/tenants/${id}/agent/cancel`, {})}>Cancel</button>}
      </form>
    </div>
  );
}
