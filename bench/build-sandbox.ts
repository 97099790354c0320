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
import { PROJECT_ROOT } from '../src/child-entry.ts';
import { report, sample } from './stats.ts';

export async function benchBuildSandbox(runs: number): Promise<void> {
  const isolation = await buildSandbox().isolation();
  process.stdout.write(`\n# Builds in the app's sandboxed build worker (${isolation}) vs the same compile function in the platform's process (no sandbox)\n`);
  const example = (file: string): string => readFileSync(path.join(PROJECT_ROOT, 'examples', 'notes', file), 'utf8');
  const component = { name: 'NotesApp', code: example('NotesApp.tsx') };
  const fn = { name: 'notes', code: example('notes.js') };
  const coldStart = performance.now();
  await buildComponent(component, { tenant: 'bench-builds' });
  process.stdout.write(`${'first build (worker start)'.padEnd(34)} ${(performance.now() - coldStart).toFixed(0).padStart(7)} ms\n`);
  // Interleaved in rounds, so machine noise falls on both sides alike.
  const rounds = 3;
  const sandboxedComponent: number[] = [];
  const inProcessComponent: number[] = [];
  const sandboxedFunction: number[] = [];
  const inProcessFunction: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const per = Math.ceil(runs / rounds);
    sandboxedComponent.push(...(await sample(per, () => buildComponent(component, { tenant: 'bench-builds' }))));
    inProcessComponent.push(...(await sample(per, () => buildComponentInProcess(component))));
    sandboxedFunction.push(...(await sample(per, () => buildFunction(fn, null, { tenant: 'bench-builds' }))));
    inProcessFunction.push(...(await sample(per, () => buildFunctionInProcess(fn))));
  }
  report('component build, sandboxed', sandboxedComponent, 'in process, unsandboxed', inProcessComponent);
  report('function build, sandboxed', sandboxedFunction, 'in process, unsandboxed', inProcessFunction);
}
