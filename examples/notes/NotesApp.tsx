import { useState, type FormEvent } from 'react';

interface Note { id: number; text: string; created_at: string }
interface Props { notes?: Note[]; title?: string; tessera?: { reload(): void } }

export default function NotesApp({ notes = [], title = 'Notes', tessera }: Props) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function add(event: FormEvent) {
    event.preventDefault();
    const res = await fetch('/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    if (!res.ok) { setError((await res.json()).error ?? 'Could not save'); return; }
    setText('');
    setError(null);
    tessera?.reload();
  }

  return (
    <main style={{ maxWidth: 560, margin: '2rem auto', fontFamily: 'system-ui' }}>
      <h1>{title}</h1>
      <form onSubmit={add} style={{ display: 'flex', gap: 8 }}>
        <input aria-label="New note" value={text} onChange={(e) => setText(e.target.value)} placeholder="Write a note" style={{ flex: 1 }} />
        <button type="submit" disabled={!text.trim()}>Add</button>
      </form>
      {error && <p role="alert">{error}</p>}
      <ul data-testid="notes">
        {notes.map((note) => <li key={note.id}>{note.text}</li>)}
      </ul>
    </main>
  );
}
