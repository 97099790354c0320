import { useState, type FormEvent } from 'react';
import { Button, EmptyState } from '@tessera/ui';

interface Note { id: number; text: string; created_at: string }
interface Props { notes?: Note[]; title?: string; tessera?: { reload(): void } }

const when = (iso: string) => new Date(`${iso.replace(' ', 'T')}Z`).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export default function NotesApp({ notes = [], title = 'Notes', tessera }: Props) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function add(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    const res = await fetch('/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    setSaving(false);
    if (!res.ok) { setError((await res.json()).error ?? 'Could not save'); return; }
    setText('');
    setError(null);
    tessera?.reload();
  }

  return (
    <main className="mx-auto flex max-w-2xl flex-col gap-6 px-4 py-10">
      <header className="flex items-end justify-between">
        <div>
          <h1 className="text-3xl font-bold tracking-tight text-foreground">{title}</h1>
          <p className="text-sm text-muted-foreground">{notes.length} {notes.length === 1 ? 'note' : 'notes'}</p>
        </div>
      </header>
      <form onSubmit={add} className="flex gap-2 rounded-theme border border-border bg-surface p-2 shadow-sm focus-within:ring-2 focus-within:ring-primary/25">
        <input aria-label="New note" value={text} onChange={(e) => setText(e.target.value)} placeholder="Write a note" className="min-w-0 flex-1 bg-transparent px-3 text-foreground outline-none placeholder:text-muted-foreground" />
        <Button type="submit" disabled={!text.trim()} loading={saving}>Add</Button>
      </form>
      {error && <p role="alert" className="text-sm font-medium text-danger">{error}</p>}
      {notes.length === 0 && <EmptyState title="No notes yet" description="Write your first note above; it is saved at once." />}
      <ul data-testid="notes" className="grid gap-3 sm:grid-cols-2">
        {notes.map((note) => (
          <li key={note.id} title={note.created_at ? when(note.created_at) : undefined} className="whitespace-pre-wrap rounded-theme border border-border border-l-4 border-l-primary bg-surface p-4 text-foreground shadow-sm transition-shadow hover:shadow-md">
            {note.text}
          </li>
        ))}
      </ul>
    </main>
  );
}
