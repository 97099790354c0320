/**
 * `npm run bench`: Tessera's figures, each beside a baseline measured in the same run.
 * Benchmarks, not tests: they print numbers and assert nothing.
 */
import { execFileSync } from 'node:child_process';
import fs, { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import git from 'isomorphic-git';
import { createAgentService, createModelClient, type AgentEvent } from '../src/agent/index.ts';
import { buildComponent, type BuiltComponent } from '../src/bundler/index.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { StyleBuilder } from '../src/styles/index.ts';
import { runTool } from '../src/tools/index.ts';
import { request } from '../test/support/http.ts';
import { startScriptedModel } from '../test/support/scripted-model.ts';
import { adminPrincipal, startTestServer } from '../test/support/platform.ts';
import { benchAccess } from './access.ts';
import { benchAppCheck } from './appcheck.ts';
import { benchBuilder } from './builder.ts';
import { benchBuildSandbox } from './build-sandbox.ts';
import { benchEgress } from './egress.ts';
import { benchFission } from './fission.ts';
import { benchPackages } from './packages.ts';
import { benchReplicas } from './replicas.ts';
import { benchSnapshots } from './snapshots.ts';
import { report, sample } from './stats.ts';
import { benchZodFunction } from './zod-function.ts';

const example = (file: string): string => readFileSync(path.join(PROJECT_ROOT, 'examples', 'notes', file), 'utf8');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

async function benchTools(server: Awaited<ReturnType<typeof startTestServer>>): Promise<void> {
  const { platform } = server;
  await platform.tenants.create('bench');
  const call = (tool: string, args: unknown) => runTool(platform, 'bench', tool, args);
  process.stdout.write('\n# Tools (in process: validate + apply + commit), each beside the bare work it wraps\n');

  const sqlite = new Database(path.join(scratch, 'baseline.sqlite'));
  const ours = await sample(RUNS, (i) => call('updateDatabaseSchema', { sql: `CREATE TABLE t${i + 10} (id INTEGER PRIMARY KEY, v TEXT)` }));
  const bare = await sample(RUNS, (i) => sqlite.exec(`BEGIN; CREATE TABLE t${i + 10} (id INTEGER PRIMARY KEY, v TEXT); COMMIT`));
  report('updateDatabaseSchema', ours, 'better-sqlite3 exec (no commit)', bare);

  const fnCode = example('notes.js');
  const buildFn = () =>
    build({
      stdin: { contents: fnCode, loader: 'js' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      external: ['@tessera/db'],
      logLevel: 'silent',
    });
  report(
    'createBackendFunction',
    await sample(RUNS, (i) => call('createBackendFunction', { name: `fn-${i + 10}`, code: fnCode })),
    'esbuild build alone',
    await sample(RUNS, buildFn),
  );

  const tsx = example('NotesApp.tsx');
  const buildTsx = () =>
    build({
      stdin: { contents: tsx, loader: 'tsx' },
      bundle: true,
      write: false,
      format: 'esm',
      jsx: 'automatic',
      minify: true,
      external: ['react', 'react/jsx-runtime', '@tessera/ui'],
      logLevel: 'silent',
    });
  report(
    'createFrontendComponent',
    await sample(RUNS, (i) => call('createFrontendComponent', { name: `Comp${i + 10}`, code: tsx.replace('NotesApp', `Comp${i + 10}`) })),
    'esbuild build alone',
    await sample(RUNS, buildTsx),
  );

  const repo = path.join(scratch, 'repo');
  await git.init({ fs, dir: repo });
  const blueprint = { version: 1, title: 'Bench', routes: [{ path: '/', root: { component: 'Comp10' } }] };
  const gitCommit = async (i: number) => {
    writeFileSync(path.join(repo, 'blueprint.json'), JSON.stringify({ ...blueprint, title: `B${i}` }));
    await git.add({ fs, dir: repo, filepath: 'blueprint.json' });
    await git.commit({ fs, dir: repo, message: 'x', author: { name: 'b', email: 'b@b' } });
  };
  report(
    'updateUILayout',
    await sample(RUNS, (i) => call('updateUILayout', { blueprint: { ...blueprint, title: `B${i}` } })),
    'isomorphic-git add+commit alone',
    await sample(RUNS, gitCommit),
  );
  sqlite.close();
}

async function benchComponentBuild(): Promise<void> {
  process.stdout.write('\n# Component build: Tessera (in its sandboxed build worker) vs the esbuild CLI on the same file\n');
  const file = path.join(scratch, 'NotesApp.tsx');
  writeFileSync(file, example('NotesApp.tsx'));
  const cli = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');
  const ours = await sample(RUNS, () => buildComponent({ name: 'NotesApp', code: example('NotesApp.tsx') }));
  const baseline = await sample(RUNS, () =>
    execFileSync(cli, [
      file,
      '--bundle',
      '--format=esm',
      '--jsx=automatic',
      '--minify',
      '--external:react',
      '--external:react/jsx-runtime',
      '--external:@tessera/ui',
      `--outfile=${path.join(scratch, 'out.js')}`,
      '--log-level=error',
    ]),
  );
  report('buildComponent', ours, 'esbuild CLI (process per build)', baseline);
}

async function benchStylesheet(): Promise<void> {
  process.stdout.write('\n# Tailwind stylesheet of an app of 20 components: rebuild after one component changed vs the first full build\n');
  const classes = [
    'flex items-center gap-2 p-4',
    'grid grid-cols-3 gap-6',
    'rounded-theme border border-border bg-surface shadow-sm',
    'text-sm text-muted-foreground',
    'bg-primary text-primary-foreground hover:bg-primary/90',
  ];
  const source = (i: number, extra = '') =>
    `export default function Part${i}() { return <div className="${classes[i % classes.length]} ${extra}"><p className="text-lg font-semibold md:text-xl">part ${i}</p></div>; }`;
  const components = new Map<string, BuiltComponent>();
  for (let i = 0; i < 20; i++) components.set(`Part${i}`, await buildComponent({ name: `Part${i}`, code: source(i) }));
  const styles = new StyleBuilder();
  const theme = { primary: '#0f766e' };
  // A new tenant each run: compile Tailwind, scan all 20 bundles, build, minify.
  const full = await sample(RUNS, (i) => styles.build(`full-${i}`, { components: components.values(), theme }));
  // One tenant: before each timed build, one component changes (a class added), as createFrontendComponent does.
  await styles.build('app', { components: components.values(), theme });
  const changed = new Map(components);
  const rebuild: number[] = [];
  const shrink: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `Part${i % 20}`;
    changed.set(name, await buildComponent({ name, code: source(i % 20, `mt-[${i + 1}px]`) }));
    let started = performance.now();
    await styles.build('app', { components: changed.values(), theme });
    rebuild.push(performance.now() - started);
    // The class swapped for another: a candidate went away, so a fresh Tailwind instance.
    changed.set(name, await buildComponent({ name, code: source(i % 20, `mb-[${i + 1}px]`) }));
    started = performance.now();
    await styles.build('app', { components: changed.values(), theme });
    shrink.push(performance.now() - started);
  }
  report('rebuild, 1 of 20 changed (+class)', rebuild, 'first full build (20 comps)', full);
  report('rebuild, 1 of 20 changed (swap)', shrink, 'first full build (20 comps)', full);
}

async function benchFunctionCall(server: Awaited<ReturnType<typeof startTestServer>>): Promise<void> {
  process.stdout.write('\n# Function call over HTTP: Tessera (sandboxed process + db over IPC) vs a bare node:http handler doing the same query\n');
  const { platform } = server;
  await platform.tenants.create('notes');
  const call = (tool: string, args: unknown) => runTool(platform, 'notes', tool, args);
  await call('updateDatabaseSchema', { sql: example('schema.sql') });
  await call('createBackendFunction', { name: 'notes', code: example('notes.js') });
  for (let i = 0; i < 20; i++) await request(`${server.appUrl('notes')}api/notes`, { method: 'POST', body: JSON.stringify({ text: `note ${i}` }) });

  const db = new Database(path.join(scratch, 'bare.sqlite'));
  db.exec(example('schema.sql'));
  for (let i = 0; i < 20; i++) db.prepare('INSERT INTO notes (text) VALUES (?)').run(`note ${i}`);
  const bare = http.createServer((_req, res) => {
    const rows = db.prepare('SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT ?').all(100);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(rows));
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const barePort = (bare.address() as { port: number }).port;

  const runs = RUNS * 10;
  const ours = await sample(runs, () => request(`${server.appUrl('notes')}api/notes`), 20);
  const baseline = await sample(runs, () => request(`http://127.0.0.1:${barePort}/`), 20);
  report('GET /api/notes (20 rows)', ours, 'bare node:http + better-sqlite3', baseline);
  await new Promise((resolve) => bare.close(resolve));
  db.close();
}

async function benchAgent(server: Awaited<ReturnType<typeof startTestServer>>): Promise<void> {
  process.stdout.write("\n# Agent steps: the platform's time per tool call (validate + apply + verify + commit) beside the model's time per step\n");
  process.stdout.write('# (the model is the scripted OpenAI-compatible server on loopback: its time is the floor of any real model)\n');
  const runs = Math.max(5, Math.round(RUNS / 3));
  const script = [
    { toolCalls: [{ name: 'updateDatabaseSchema', arguments: { sql: example('schema.sql') } }] },
    { toolCalls: [{ name: 'createBackendFunction', arguments: { name: 'notes', code: example('notes.js'), sample: { method: 'GET' } } }] },
    {
      toolCalls: [
        {
          name: 'createFrontendComponent',
          arguments: { name: 'NotesApp', code: example('NotesApp.tsx'), sampleProps: { notes: [{ id: 1, text: 'x', created_at: '' }] } },
        },
      ],
    },
    { toolCalls: [{ name: 'updateUILayout', arguments: { blueprint: JSON.parse(example('blueprint.json')) } }] },
    { text: 'Done.' },
  ];
  const toolMs = new Map<string, number[]>();
  const modelMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const model = await startScriptedModel(script);
    const id = `agent-bench-${i}`;
    await server.platform.tenants.create(id);
    const agent = createAgentService(server.platform, {
      model: createModelClient({ baseUrl: model.url, apiKey: 'bench', model: 'scripted', timeoutMs: 10_000, maxRetries: 0 }),
    });
    await agent.run(
      id,
      'Build a notes app',
      (event: AgentEvent) => {
        if (event.type === 'tool_result') toolMs.set(event.name, [...(toolMs.get(event.name) ?? []), event.ms]);
        if (event.type === 'usage') modelMs.push(event.modelMs);
      },
      { principal: await adminPrincipal(server) },
    );
    await model.close();
  }
  for (const [name, times] of toolMs) report(`${name} (in agent)`, times, 'model call per step', modelMs);
}

/** Sum of PSS (kB) over every process descended from this one: what the sandboxes really cost. */
function descendantsPssKb(): number {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parents.keys()) {
    if (!isDescendant(pid)) continue;
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  return total;
}

async function benchRuntime(server: Awaited<ReturnType<typeof startTestServer>>): Promise<void> {
  const { platform } = server;
  const isolation = await platform.runtime.isolation();
  process.stdout.write(
    `\n# Function runtime (${isolation}, warm pool ${platform.config.functions.warmPool}): a trivial function vs a bare node:http handler\n`,
  );
  const hello = "module.exports = async () => ({ status: 200, body: { hello: 'world' } })";
  const bare = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ hello: 'world' })),
  );
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const bareTimes = await sample(RUNS * 10, () => request(bareUrl), 20);

  // Cold: a tenant whose process is not running (stopped after the function was created).
  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const id = `cold-${i}`;
    await platform.tenants.create(id);
    await runTool(platform, id, 'createBackendFunction', { name: 'hello', code: hello });
    await platform.runtime.stopTenant(id);
    await new Promise((resolve) => setTimeout(resolve, 150)); // let the pool refill, as between real arrivals
    const started = performance.now();
    await request(`${server.appUrl(id)}api/hello`);
    cold.push(performance.now() - started);
  }
  report('cold start (no warm process)', cold, 'bare node:http (warm)', bareTimes);
  const warm = await sample(RUNS * 10, () => request(`${server.appUrl('cold-0')}api/hello`), 20);
  report('warm call', warm, 'bare node:http', bareTimes);

  const throughput = async (url: string): Promise<number> => {
    let done = 0;
    const until = performance.now() + 2000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await request(url);
          done++;
        }
      }),
    );
    return done / 2;
  };
  const ours = await throughput(`${server.appUrl('cold-0')}api/hello`);
  const theirs = await throughput(bareUrl);
  process.stdout.write(
    `${'throughput, 8 concurrent'.padEnd(34)} ${ours.toFixed(0).padStart(7)} req/s          |  ${'bare node:http'.padEnd(30)} ${theirs.toFixed(0).padStart(7)} req/s   ratio ${(ours / theirs).toFixed(2)}x\n`,
  );
  await new Promise((resolve) => bare.close(resolve));

  // Idle memory: PSS of every sandbox, before and after warming ten more tenants.
  const before = descendantsPssKb();
  for (let i = 0; i < 10; i++) await request(`${server.appUrl(`cold-${i % RUNS}`)}api/hello`);
  const ids = Array.from({ length: 10 }, (_, i) => `idle-${i}`);
  for (const id of ids) {
    await platform.tenants.create(id);
    await runTool(platform, id, 'createBackendFunction', { name: 'hello', code: hello });
    await request(`${server.appUrl(id)}api/hello`);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = descendantsPssKb();
  process.stdout.write(`${'idle memory per warm tenant (PSS)'.padEnd(34)} ${((after - before) / 10 / 1024).toFixed(1).padStart(7)} MB\n`);
}

async function benchReleases(server: Awaited<ReturnType<typeof startTestServer>>): Promise<void> {
  const { platform } = server;
  process.stdout.write(`\n# Releases on ${platform.registry.backend}: a tenant with 100 components and 100 functions\n`);
  const id = 'big';
  await platform.tenants.create(id);
  for (let i = 0; i < 100; i++) {
    await runTool(platform, id, 'createFrontendComponent', { name: `Part${i}`, code: `export default function Part${i}() { return <p>part ${i}</p>; }` });
    await runTool(platform, id, 'createBackendFunction', { name: `fn-${i}`, code: `module.exports = async () => ({ status: 200, body: ${i} })` });
  }
  await runTool(platform, id, 'updateUILayout', { blueprint: { version: 1, title: 'Big', routes: [{ path: '/', root: { component: 'Part0' } }] } });
  const tenant = await platform.tenants.get(id);
  const { createRelease } = await import('../src/releases/index.ts');
  let n = 0;
  const create = await sample(
    10,
    () => platform.tenants.withLock(id, (t) => createRelease(t, platform.registry, platform.artifacts, { version: `1.0.${n++}` }, platform.styles)),
    0,
  );
  const commitOnly = await sample(10, () => tenant.workspace.filesAt(tenant.state.head), 0);
  report('release create (snapshot + store)', create, "read the commit's file list", commitOnly);
  let d = 0;
  const deploy = await sample(10, () => platform.deployer.deploy(tenant, `1.0.${d++ % 10}`, 'bench'), 0);
  const record = await sample(10, () => platform.registry.liveVersion(id), 0);
  report('deploy (prepare + record + switch)', deploy, 'one registry read', record);

  const live = server.liveUrl(id);
  const rps = async (duringDeploys: boolean): Promise<number> => {
    let done = 0;
    let running = true;
    const until = performance.now() + 2000;
    const deployer = (async () => {
      let i = 0;
      while (duringDeploys && running) {
        await platform.deployer.deploy(tenant, `1.0.${i++ % 10}`, 'bench');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await request(`${live}api/fn-1`);
          done++;
        }
      }),
    );
    running = false;
    await deployer;
    return done / 2;
  };
  const quiet = await rps(false);
  const busy = await rps(true);
  process.stdout.write(
    `${'live app during deploys (20/s)'.padEnd(34)} ${busy.toFixed(0).padStart(7)} req/s          |  ${'same app, no deploys'.padEnd(30)} ${quiet.toFixed(0).padStart(7)} req/s   ratio ${(busy / quiet).toFixed(2)}x\n`,
  );
}

async function main(): Promise<void> {
  process.stdout.write(
    `Tessera benchmarks: node ${process.version}, ${os.cpus().length} cores, ${RUNS} runs per figure (BENCH_RUNS to change, BENCH_ONLY to pick)\n`,
  );
  const server = await startTestServer({ LOG_LEVEL: 'silent' });
  type Server = Awaited<ReturnType<typeof startTestServer>>;
  const benches: Array<[string, (server: Server) => Promise<void>]> = [
    ['builder', (s) => benchBuilder(s, RUNS)],
    ['tools', benchTools],
    ['component', benchComponentBuild],
    ['builds', () => benchBuildSandbox(RUNS)],
    ['packages', () => benchPackages(RUNS)],
    ['stylesheet', benchStylesheet],
    ['function', benchFunctionCall],
    ['runtime', benchRuntime],
    ['zod', (s) => benchZodFunction(s, RUNS)],
    ['releases', benchReleases],
    ['agent', benchAgent],
    ['appcheck', (s) => benchAppCheck(s, RUNS)],
    ['fission', (s) => benchFission(s, RUNS)],
    ['egress', () => benchEgress(RUNS)],
    ['access', (s) => benchAccess(s, RUNS)],
    ['replicas', () => benchReplicas(RUNS)],
    ['snapshots', (s) => benchSnapshots(s, RUNS)],
  ];
  // BENCH_ONLY=stylesheet,component runs a subset (all by default).
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
  try {
    for (const [name, bench] of benches) if (!only || only.includes(name)) await bench(server);
  } finally {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
