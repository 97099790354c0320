// Usage: node --import tsx measure.ts <repo root>; prints p50/p90 (ms) of each build, 200 runs after 20 warm-up.
import { readFileSync } from 'node:fs';
import path from 'node:path';
const root = process.argv[2]!;
const { buildComponent, buildFunction } = await import(path.join(root, 'src/bundler/index.ts'));
const ex = (f: string) => readFileSync(path.join(root, 'examples/notes', f), 'utf8');
const cases: [string, () => Promise<unknown>][] = [
  ['component NotesApp.tsx (screen only)', () => buildComponent({ name: 'NotesApp', code: ex('NotesApp.tsx') })],
  ['component + import("react") (parsed)', () => buildComponent({ name: 'NotesApp', code: ex('NotesApp.tsx') + "\nexport const lazy = () => import('react');\n" })],
  ['function notes.js (screen only)', () => buildFunction({ name: 'notes', code: ex('notes.js') })],
  ['function + import("node:os") (parsed)', () => buildFunction({ name: 'notes', code: ex('notes.js') + "\nmodule.exports.os = () => import('node:os');\n" })],
];
const N = 200;
for (const [label, run] of cases) {
  for (let i = 0; i < 20; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < N; i++) { const t = performance.now(); await run(); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(42)} p50 ${times[N / 2]!.toFixed(2)} ms  p90 ${times[Math.floor(N * 0.9)]!.toFixed(2)} ms`);
}
