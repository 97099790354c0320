import { readFileSync } from 'node:fs';
import { literalImportProblems } from './src/bundler/literal-imports.ts';
const ex = (f: string) => readFileSync('examples/notes/' + f, 'utf8');
const big = Array.from({ length: 6 }, (_, i) => ex('NotesApp.tsx').replaceAll('NotesApp', 'N' + i)).join('\n'); // ~290 lines
const cases: [string, string, 'tsx' | 'js'][] = [
  ['NotesApp.tsx 48 lines, screen only', ex('NotesApp.tsx'), 'tsx'],
  ['NotesApp.tsx + import("react"), screen only', ex('NotesApp.tsx') + "\nexport const lazy = () => import('react');\n", 'tsx'],
  ['290-line component + import.meta, parsed', big + "\nexport const url = import.meta.url;\n", 'tsx'],
  ['notes.js 15 lines, screen only', ex('notes.js'), 'js'],
  ['notes.js + import.meta, parsed', ex('notes.js') + "\nexport const url = import.meta.url;\n", 'js'],
];
for (const [label, code, lang] of cases) {
  for (let i = 0; i < 50; i++) literalImportProblems('f', code, lang);
  const t: number[] = [];
  for (let i = 0; i < 500; i++) { const s = performance.now(); literalImportProblems('f', code, lang); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  console.log(`${label.padEnd(42)} p50 ${t[250]!.toFixed(3)} ms  p90 ${t[450]!.toFixed(3)} ms`);
}
