import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';
import { Chat } from './Chat.tsx';
import { Components, Database, Functions, History, Releases } from './tabs.tsx';

const TABS = ['Chat', 'Components', 'Functions', 'Database', 'Releases', 'History'] as const;
type Tab = (typeof TABS)[number];

export interface ProjectInfo {
  id: string;
  url: string;
  draftUrl: string;
  live: string | null;
  head: string;
  components: Array<{ name: string; bytes: number; hash: string }>;
  functions: Array<{ name: string; file: string; url: string }>;
  routes: string[];
}

/** One app: its dashboard tabs beside a live preview in an iframe of the app's own origin. */
export function Project({ id }: { id: string }) {
  const [tab, setTab] = useState<Tab>('Chat');
  const [info, setInfo] = useState<ProjectInfo | null>(null);
  const [mode, setMode] = useState<'draft' | 'live'>('draft');
  const [previewKey, setPreviewKey] = useState(0);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setInfo(await api<ProjectInfo>('GET', `/api/tenants/${id}`));
      setPreviewKey((k) => k + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [id]);
  useEffect(() => void refresh(), [refresh]);

  if (error) return <main className="panel error" role="alert">{error}</main>;
  if (!info) return <main className="panel">Loading…</main>;
  const previewUrl = mode === 'draft' ? info.draftUrl : info.url;
  return (
    <div className="main">
      <section className="work">
        <div className="tabs" role="tablist">
          <strong style={{ marginRight: '0.5rem' }}>{id}</strong>
          {TABS.map((t) => (
            <button key={t} role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>{t}</button>
          ))}
        </div>
        <div className="panel">
          {tab === 'Chat' && <Chat id={id} onChange={refresh} />}
          {tab === 'Components' && <Components info={info} onChange={refresh} />}
          {tab === 'Functions' && <Functions info={info} onChange={refresh} />}
          {tab === 'Database' && <Database id={id} />}
          {tab === 'Releases' && <Releases info={info} onChange={refresh} />}
          {tab === 'History' && <History id={id} head={info.head} />}
        </div>
      </section>
      <section className="preview" aria-label="Preview">
        <header>
          <label>
            <input type="radio" name="mode" checked={mode === 'draft'} onChange={() => setMode('draft')} /> Draft
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'live'} onChange={() => setMode('live')} /> Live {info.live ? `(${info.live})` : '(nothing yet)'}
          </label>
          <button onClick={() => setPreviewKey((k) => k + 1)}>Reload</button>
          <a href={previewUrl} target="_blank" rel="noreferrer">Open in new tab</a>
        </header>
        <iframe key={`${mode}-${previewKey}`} title={`Preview of ${id}`} src={previewUrl} sandbox="allow-scripts allow-forms allow-same-origin allow-popups" />
      </section>
    </div>
  );
}
