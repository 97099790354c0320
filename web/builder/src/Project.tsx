import { useCallback, useEffect, useRef, useState } from 'react';
import type { PreviewLink, ProjectInfo } from '../../../wire/api.ts';
import { client } from './api.ts';
import { Chat } from './Chat.tsx';
import { Packages } from './Packages.tsx';
import { Settings } from './Settings.tsx';
import { AppUsers } from './sections/AppUsers.tsx';
import { Components } from './sections/Components.tsx';
import { Database } from './sections/Database.tsx';
import { Functions } from './sections/Functions.tsx';
import { History } from './sections/History.tsx';
import { Releases } from './sections/Releases.tsx';
import { Routes } from './sections/Routes.tsx';
import { AuditLog, Members } from './Team.tsx';
import { onRouteChange, readRoute, showRoute } from './route.ts';

const TABS = ['Chat', 'Components', 'Functions', 'Packages', 'Routes', 'Database', 'Releases', 'History', 'Settings', 'Users', 'Members', 'Audit'] as const;
type Tab = (typeof TABS)[number];
/** A section's name in the address: `/apps/<id>/database`. */
const sectionOf = (tab: Tab): string => tab.toLowerCase();
const tabOf = (section: string | null): Tab => TABS.find((t) => sectionOf(t) === section?.toLowerCase()) ?? 'Chat';

/** Tabs for owners only (the server refuses anyone else): the app's own users and the audit log. */
const OWNER_TABS: readonly Tab[] = ['Users', 'Audit'];

export type { ProjectInfo };

/** Owners share the draft with someone outside the project: a signed link, valid one day. */
function ShareDraft({ id }: { id: string }) {
  const [link, setLink] = useState<PreviewLink | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function share() {
    setError(null);
    try {
      setLink(await client.request('POST /api/tenants/:id/preview-links', { params: { id }, body: { expiresIn: 24 * 60 * 60 } }));
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <>
      <button type="button" onClick={share}>
        Share draft
      </button>
      {error && (
        <p className="share-link error" role="alert">
          {error}
        </p>
      )}
      {link && (
        <p className="share-link" role="status">
          Anyone with this link can open the draft until {new Date(link.expiresAt).toLocaleString()}:{' '}
          <input aria-label="Draft link" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
        </p>
      )}
    </>
  );
}

/** One app: its dashboard tabs beside a live preview in an iframe of the app's own origin. */
export function Project({ id, me }: { id: string; me: string }) {
  const [tab, setTabState] = useState<Tab>(() => tabOf(readRoute().section));
  /** The item open in the section (a component, a function, a table), as the address names it. */
  const [item, setItemState] = useState<string | null>(() => readRoute().item);
  const setTab = (next: Tab) => {
    setTabState(next);
    setItemState(null);
    showRoute({ app: id, section: sectionOf(next), item: null });
  };
  const setItem = (next: string | null) => {
    setItemState(next);
    showRoute({ app: id, section: sectionOf(tab), item: next });
  };
  useEffect(
    () =>
      onRouteChange((route) => {
        if (route.app !== id) return;
        setTabState(tabOf(route.section));
        setItemState(route.item);
      }),
    [id],
  );
  const [info, setInfo] = useState<ProjectInfo | null>(null);
  const [mode, setMode] = useState<'draft' | 'live'>('draft');
  const [previewKey, setPreviewKey] = useState(0);
  const [error, setError] = useState<string | null>(null);
  /** head@live of what the dashboard shows: a change means the app changed somewhere. */
  const seen = useRef('');

  const refresh = useCallback(async () => {
    try {
      const latest = await client.request('GET /api/tenants/:id', { params: { id } });
      seen.current = `${latest.head}@${latest.live}`;
      setInfo(latest);
      setPreviewKey((k) => k + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [id]);
  useEffect(() => void refresh(), [refresh]);

  // Changes made elsewhere (the CLI, the API, another tab) reload the preview too.
  useEffect(() => {
    const timer = setInterval(async () => {
      const latest = await client.request('GET /api/tenants/:id', { params: { id } }).catch(() => null);
      if (!latest) return;
      const version = `${latest.head}@${latest.live}`;
      if (version === seen.current) return;
      seen.current = version;
      setInfo(latest);
      setPreviewKey((k) => k + 1);
    }, 1500);
    return () => clearInterval(timer);
  }, [id]);

  if (error)
    return (
      <main className="panel error" role="alert">
        {error}
      </main>
    );
  if (!info) return <main className="panel">Loading…</main>;
  // The draft is for members only: this builder route answers with a fresh signed link to it (a
  // grant cookie on the draft origin), for the iframe and for each "Open in new tab".
  const previewUrl = mode === 'draft' ? `/api/tenants/${encodeURIComponent(id)}/preview` : info.url;
  return (
    <div className="main">
      <section className="work">
        <div className="tabs" role="tablist">
          <strong style={{ marginRight: '0.5rem' }}>{id}</strong>
          <small className="role" role="note" aria-label="Your role">
            {info.role}
          </small>
          {TABS.filter((t) => !OWNER_TABS.includes(t) || info.role === 'owner').map((t) => (
            <button type="button" key={t} role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
              {t}
            </button>
          ))}
        </div>
        {info.role === 'viewer' && (
          <p className="notice" role="note">
            You are a viewer of this project: you can look at everything, but changes need an editor or owner.
          </p>
        )}
        <div className="panel">
          {tab === 'Chat' && <Chat id={id} onChange={refresh} canRun={info.role !== 'viewer'} />}
          {tab === 'Components' && <Components info={info} onChange={refresh} item={item} onItem={setItem} />}
          {tab === 'Functions' && <Functions info={info} onChange={refresh} item={item} onItem={setItem} />}
          {tab === 'Packages' && <Packages id={id} head={info.head} />}
          {tab === 'Routes' && <Routes info={info} onChange={refresh} />}
          {tab === 'Database' && (
            <Database
              id={id}
              head={info.head}
              live={info.live}
              canEdit={info.role !== 'viewer'}
              isOwner={info.role === 'owner'}
              onChange={refresh}
              onHistory={() => setTab('History')}
              item={item}
              onItem={setItem}
            />
          )}
          {tab === 'Releases' && <Releases info={info} onChange={refresh} />}
          {tab === 'History' && <History id={id} head={info.head} onChange={refresh} />}
          {tab === 'Settings' && <Settings id={id} />}
          {tab === 'Users' && <AppUsers id={id} />}
          {tab === 'Members' && <Members id={id} role={info.role} me={me} />}
          {tab === 'Audit' && <AuditLog tenant={id} />}
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
          <button type="button" onClick={() => setPreviewKey((k) => k + 1)}>
            Reload
          </button>
          <a href={previewUrl} target="_blank" rel="noreferrer">
            Open in new tab
          </a>
          {info.role === 'owner' && <ShareDraft id={id} />}
        </header>
        <iframe key={`${mode}-${previewKey}`} title={`Preview of ${id}`} src={previewUrl} sandbox="allow-scripts allow-forms allow-same-origin allow-popups" />
      </section>
    </div>
  );
}
