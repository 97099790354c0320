import { lazy, Suspense, useEffect, useState, type ComponentProps } from 'react';
import type { ToolReply } from '../../../../wire/api.ts';
import { client } from '../api.ts';
import type { Language, Problem } from '../CodeEditor.tsx';

// CodeMirror is most of the builder's weight: loaded when an editor first opens, not with the page.
const LazyEditor = lazy(() => import('../CodeEditor.tsx').then((m) => ({ default: m.CodeEditor })));
export function CodeEditor(props: ComponentProps<typeof LazyEditor>) {
  return (
    <Suspense fallback={<p>Loading the editor…</p>}>
      <LazyEditor {...props} />
    </Suspense>
  );
}

/** The problems of a failed tool call that have a line, for the editor's inline markers. */
function problemsOf(answer: ToolReply | null): Problem[] {
  const error = answer && !answer.ok ? answer.error : null;
  const details = error?.details;
  if (!error || !details) return [];
  const listed = (details.problems ?? []).filter((p): p is Problem => typeof p.line === 'number');
  if (listed.length) return listed;
  return typeof details.line === 'number' ? [{ line: details.line, ...(details.column ? { column: details.column } : {}), message: error.message }] : [];
}

const languageOfFile = (file: string): Language =>
  file.endsWith('.tsx') ? 'tsx' : file.endsWith('.ts') ? 'ts' : file.endsWith('.json') ? 'json' : file.endsWith('.sql') ? 'sql' : 'js';

/** Runs a tool as the agent would; its own refusal comes back as the answer (shown at its line), not thrown. */
export function tool<Result = unknown>(id: string, name: string, args: unknown): Promise<ToolReply<Result>> {
  return client.tool<Result>(id, name, args);
}

/** A source editor that saves through the same tool the agent uses; errors show inline at their line. */
export function SourceEditor({ id, file, save }: { id: string; file: string; save: (code: string) => Promise<ToolReply> }) {
  const [code, setCode] = useState<string | null>(null);
  const [answer, setAnswer] = useState<ToolReply | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    client.request('GET /api/tenants/:id/files', { params: { id }, query: { path: file } }).then(
      (f) => setCode(f.content),
      () => setCode(''),
    );
  }, [id, file]);
  if (code === null) return <p>Loading…</p>;
  const error = answer && !answer.ok ? answer.error : null;
  return (
    <div>
      <CodeEditor value={code} onChange={setCode} language={languageOfFile(file)} label={`Source of ${file}`} problems={problemsOf(answer)} />
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={saving}
          onClick={async () => {
            setSaving(true);
            try {
              setAnswer(await save(code));
            } finally {
              setSaving(false);
            }
          }}
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
        {answer?.ok && <span role="status">Saved.</span>}
        {error && (
          <span
            role="alert"
            className="error"
            style={{ whiteSpace: 'pre-wrap' }}
          >{`${error.code}${error.details?.line ? ` at line ${error.details.line}` : ''}: ${error.message}`}</span>
        )}
      </div>
    </div>
  );
}
