import { useEffect, useState } from 'react';
import type { ComponentRecord, ProjectInfo } from '../../../../wire/api.ts';
import { client } from '../api.ts';
import { SourceEditor, tool } from './source-editor.tsx';

export function Components({
  info,
  onChange,
  item,
  onItem,
}: {
  info: ProjectInfo;
  onChange: () => void;
  /** The component open (the address's item: `/apps/<id>/components/<Name>`). */
  item: string | null;
  onItem: (name: string | null) => void;
}) {
  const open = item;
  const setOpen = onItem;
  const [records, setRecords] = useState<ComponentRecord[]>([]);
  useEffect(() => {
    client.request('GET /api/tenants/:id/components', { params: { id: info.id } }).then(
      (r) => setRecords(r.components),
      () => setRecords([]),
    );
  }, [info.id, info.head]);
  return (
    <div>
      <table aria-label="Components">
        <thead>
          <tr>
            <th>Component</th>
            <th>Status</th>
            <th>Version</th>
            <th>Size</th>
            <th>Bundle</th>
          </tr>
        </thead>
        <tbody>
          {records.map((c) => (
            <tr key={c.name}>
              <td>
                <button type="button" onClick={() => setOpen(c.name)}>
                  {c.name}
                </button>
              </td>
              <td>{c.status}</td>
              <td>{c.version ?? '-'}</td>
              <td>{(c.bytes / 1024).toFixed(1)} KB</td>
              <td>
                <code>{c.bundle}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {info.components.length === 0 && <p>No components yet.</p>}
      {open && (
        <SourceEditor
          key={open}
          id={info.id}
          file={`frontend/${open}.tsx`}
          save={async (code) => {
            const answer = await tool(info.id, 'createFrontendComponent', { name: open, code });
            if (answer.ok) onChange();
            return answer;
          }}
        />
      )}
    </div>
  );
}
