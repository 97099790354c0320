/**
 * Builds in the sandboxed build worker (bubblewrap, a warm worker per app) beside the same compile
 * function run in this process, as every build ran before the sandbox: the cost of the sandbox per
 * build (issue 16 asks for at most 1.3x at p50).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildComponent, buildFunction, buildSandbox } from '../src/bundler/index.ts';
import { buildComponent as buildComponentInProcess } from '../src/bundler/component.ts';
import { buildFunction as buildFunctionInProcess } from '../src/bundler/function.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { report } from './stats.ts';

export async function benchBuildSandbox(runs: number): Promise<void> {
  const isolation = await buildSandbox().isolation();
  process.stdout.write(`\n# Builds in the app's sandboxed build worker (${isolation}) vs the same compile function in the platform's process (no sandbox)\n`);
  const example = (file: string): string => readFileSync(path.join(PROJECT_ROOT, 'examples', 'notes', file), 'utf8');
  const component = { name: 'NotesApp', code: example('NotesApp.tsx') };
  const fn = { name: 'notes', code: example('notes.js') };
  const coldStart = performance.now();
  await buildComponent(component, { tenant: 'bench-builds' });
  process.stdout.write(`${'first build (worker start)'.padEnd(34)} ${(performance.now() - coldStart).toFixed(0).padStart(7)} ms\n`);
  // Interleaved build by build, so the machine's noise falls on both sides alike.
  const pairs = async (ours: () => Promise<unknown>, baseline: () => Promise<unknown>): Promise<[number[], number[]]> => {
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < 3; i++) await Promise.all([ours(), baseline()].map((p) => p.catch(() => undefined)));
    for (let i = 0; i < runs; i++) {
      for (const [side, fn] of (i % 2
        ? [
            [1, baseline],
            [0, ours],
          ]
        : [
            [0, ours],
            [1, baseline],
          ]) as Array<[0 | 1, () => Promise<unknown>]>) {
        const started = performance.now();
        await fn();
        times[side].push(performance.now() - started);
      }
    }
    return times;
  };
  const [sandboxedComponent, inProcessComponent] = await pairs(
    () => buildComponent(component, { tenant: 'bench-builds' }),
    () => buildComponentInProcess(component),
  );
  const [sandboxedFunction, inProcessFunction] = await pairs(
    () => buildFunction(fn, null, { tenant: 'bench-builds' }),
    () => buildFunctionInProcess(fn),
  );
  report('component build, sandboxed', sandboxedComponent, 'in process, unsandboxed', inProcessComponent);
  report('function build, sandboxed', sandboxedFunction, 'in process, unsandboxed', inProcessFunction);
}
