import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { sql } from '@codemirror/lang-sql';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

export type Language = 'tsx' | 'ts' | 'js' | 'json' | 'sql';

/** A problem at a 1-based line (and column), as the server reports compile errors. */
export interface Problem {
  line: number;
  column?: number;
  message: string;
}

/** Tables and their columns, for SQL completion. */
export type SqlSchema = Record<string, string[]>;

function languageOf(language: Language, schema?: SqlSchema) {
  if (language === 'json') return json();
  if (language === 'sql') return sql(schema ? { schema } : {});
  return javascript({ jsx: language === 'tsx', typescript: language === 'tsx' || language === 'ts' });
}

/**
 * CodeMirror 6 with highlighting for the language, and the server's errors as inline markers at
 * their line (red underline, gutter mark, message on hover and in the lint panel).
 */
export function CodeEditor({
  value,
  onChange,
  language,
  label,
  problems = [],
  height = 280,
  schema,
}: {
  value: string;
  onChange(value: string): void;
  language: Language;
  label: string;
  problems?: Problem[];
  height?: number;
  /** SQL only: the tables and columns to complete (a new schema needs a new editor: give it a key). */
  schema?: SqlSchema;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(onChange);
  latest.current = onChange;

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          languageOf(language, schema),
          lintGutter(),
          EditorView.updateListener.of((update) => update.docChanged && latest.current(update.state.doc.toString())),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.theme({
            '&': { height: `${height}px`, fontSize: '13px', border: '1px solid #d1d5db', borderRadius: '6px' },
            '.cm-scroller': { fontFamily: 'ui-monospace, monospace' },
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor owns its document after creation; a new file gets a new component (key).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language, label]);

  // A value set from outside (e.g. a reload) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const doc = editor.state.doc;
    const diagnostics: Diagnostic[] = problems
      .filter((p) => p.line >= 1 && p.line <= doc.lines)
      .map((p) => {
        const line = doc.line(p.line);
        const from = Math.min(line.from + Math.max(0, (p.column ?? 1) - 1), line.to);
        return { from, to: Math.min(Math.max(from + 1, line.to), doc.length), severity: 'error', message: p.message };
      });
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [problems]);

  return <div ref={host} className="code-editor" data-problems={problems.length} />;
}
