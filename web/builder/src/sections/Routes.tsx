import { useState } from 'react';
import type { BlueprintNode } from '../../../../wire/blueprint.ts';
import type { ProjectInfo } from '../../../../wire/api.ts';
import { CodeEditor, tool } from './source-editor.tsx';

function NodeTree({ node }: { node: BlueprintNode }) {
  const bindings = Object.entries(node.data ?? {}).map(([prop, b]) => `${prop} ← /api/${b.function}`);
  return (
    <li>
      <strong>{node.component}</strong>
      {bindings.length ? <small> ({bindings.join(', ')})</small> : null}
      {node.children?.length ? (
        <ul>
          {node.children.map((child, i) => (
            <NodeTree key={i} node={child} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** The blueprint as a tree of routes and nodes, beside its JSON, saved through updateUILayout. */
export function Routes({ info, onChange }: { info: ProjectInfo; onChange: () => void }) {
  const blueprint = info.blueprint;
  const [text, setText] = useState(() => JSON.stringify(info.blueprint, null, 2));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <div>
      <ul aria-label="Routes">
        {blueprint.routes.map((route) => (
          <li key={route.path}>
            <code>{route.path}</code> {route.title ?? ''}
            <ul>
              <NodeTree node={route.root} />
            </ul>
          </li>
        ))}
      </ul>
      {blueprint.routes.length === 0 && <p>No routes yet.</p>}
      <CodeEditor value={text} onChange={setText} language="json" label="Blueprint JSON" height={260} />
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={async () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch (err) {
              setMessage({ ok: false, text: `Not valid JSON: ${(err as Error).message}` });
              return;
            }
            const answer = await tool(info.id, 'updateUILayout', { blueprint: parsed });
            setMessage(answer.ok ? { ok: true, text: 'Saved.' } : { ok: false, text: `${answer.error!.code}: ${answer.error!.message}` });
            if (answer.ok) onChange();
          }}
        >
          Save layout
        </button>
        {message && (
          <span role={message.ok ? 'status' : 'alert'} className={message.ok ? '' : 'error'} style={{ whiteSpace: 'pre-wrap' }}>
            {message.text}
          </span>
        )}
      </div>
    </div>
  );
}
