import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../net.ts';
import { fixturePackages } from '../npm-fixtures.ts';
import { startTestRegistry } from '../npm-registry.ts';
import { startScriptedModel, type ChatRequest, type Reply } from '../scripted-model.ts';
import { ACTIVITIES, APP, type ActivityContext, type CrashLedger, homeComponent, LIST_FUNCTION, liveWrites, SCHEMA_APP, WRITE_FUNCTION } from './activities.ts';
import { checkAfterRestart } from './checks.ts';
import { CrashServer } from './server.ts';

export interface CrashOptions {
  seed: number;
  kills: number;
  /** The kill comes at a random moment in [0, maxDelayMs) after the activity starts. */
  maxDelayMs?: number;
  log?: (line: string) => void;
}

export interface CrashResult {
  seed: number;
  rounds: Array<{ activity: string; delayMs: number; restartMs: number }>;
  acked: number;
  problems: string[];
}

/** mulberry32: a small seeded generator, so a failing run replays with its CRASH_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The agent's model: a few tool calls that rewrite the home page, then an answer. */
function agentStep(request: ChatRequest): Reply {
  const lastUser = request.messages.map((m) => m.role).lastIndexOf('user');
  const done = request.messages.slice(lastUser).filter((m) => m.role === 'tool').length;
  if (done >= 3) return { delayMs: 20, then: { text: 'Done: the home page is updated.' } };
  return {
    delayMs: 20,
    then: { toolCalls: [{ name: 'createFrontendComponent', arguments: { name: 'Home', code: homeComponent(`agent ${lastUser}-${done}`) } }] },
  };
}

async function setUpApps(server: CrashServer): Promise<void> {
  const tool = (app: string, name: string, args: unknown) => server.api('POST', `/api/tenants/${app}/tools/${name}`, args);
  await server.api('POST', '/api/tenants', { id: APP });
  await server.api('POST', '/api/tenants', { id: SCHEMA_APP });
  await tool(APP, 'updateDatabaseSchema', { sql: 'CREATE TABLE writes (id TEXT PRIMARY KEY, at INTEGER NOT NULL)' });
  await tool(APP, 'createBackendFunction', { name: 'write', code: WRITE_FUNCTION });
  await tool(APP, 'createBackendFunction', { name: 'list', code: LIST_FUNCTION });
  await tool(APP, 'createFrontendComponent', { name: 'Home', code: homeComponent('start') });
  await tool(APP, 'updateUILayout', { blueprint: { version: 1, title: 'Crash', routes: [{ path: '/', root: { component: 'Home' } }] } });
  await server.api('POST', `/api/tenants/${APP}/releases`, { version: '1.0.0' });
  await server.api('POST', `/api/tenants/${APP}/releases/1.0.0/deploy`, {});
}

/**
 * Kills the real server with SIGKILL `kills` times, each at a random moment of one activity (tool
 * calls, agent runs, deploys, package installs, migrations, live writes; in turn, with a live writer
 * beside each), restarts it on the same DATA_DIR and checks everything `checkAfterRestart` checks.
 * Stops at the first round with a problem and returns it, with the seed that replays the run.
 */
export async function runCrashSuite(options: CrashOptions): Promise<CrashResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const random = seededRandom(options.seed);
  const maxDelayMs = options.maxDelayMs ?? 1500;
  log(`crash suite: CRASH_SEED=${options.seed} CRASH_KILLS=${options.kills}`);
  const model = await startScriptedModel([], { fallback: agentStep });
  const registry = await startTestRegistry(fixturePackages().packages);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-crash-'));
  const server = new CrashServer({
    port: await freePort(),
    dataDir,
    token: `crash-${randomBytes(16).toString('hex')}`,
    env: { OPENAI_BASE_URL: model.url, OPENAI_MODEL: 'scripted', OPENAI_API_KEY: 'test', npm_config_registry: registry.url },
  });
  const ledger: CrashLedger = { acked: new Set(), commits: [], releases: ['1.0.0'], deploy: { acked: '1.0.0', inFlight: null }, findings: [] };
  const result: CrashResult = { seed: options.seed, rounds: [], acked: 0, problems: [] };
  try {
    const setUpStarted = Date.now();
    await server.start();
    await setUpApps(server);
    log(`  server started and apps set up in ${Date.now() - setUpStarted} ms`);
    for (let round = 0; round < options.kills && result.problems.length === 0; round++) {
      const activity = ACTIVITIES[round % ACTIVITIES.length]!;
      const delayMs = Math.floor(random() * maxDelayMs);
      let killed = false;
      const ctx: ActivityContext = { server, random, ledger, round, killed: () => killed };
      const work = Promise.all([activity.run(ctx), activity.name === 'live writes' ? undefined : liveWrites(ctx, 1)]);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const group = server.child!.pid!;
      killed = true;
      await server.kill();
      await work;
      const started = Date.now();
      try {
        await server.start();
      } catch (err) {
        result.problems.push(`round ${round} (${activity.name}, killed after ${delayMs} ms): ${(err as Error).message}`);
        break;
      }
      const restartMs = Date.now() - started;
      result.rounds.push({ activity: activity.name, delayMs, restartMs });
      const checksStarted = Date.now();
      const problems = [
        ...ledger.findings.splice(0),
        ...(await checkAfterRestart(server, ledger).catch((err: Error) => [`the checks could not run: ${err.stack ?? err.message}`])),
      ];
      if (!(await server.groupGone(group, 5000))) problems.push('processes of the killed server were still running 5 s later');
      const checksMs = Date.now() - checksStarted;
      for (const problem of problems) result.problems.push(`round ${round} (${activity.name}, killed after ${delayMs} ms): ${problem}`);
      log(
        `  kill ${round + 1}/${options.kills}: ${activity.name} after ${delayMs} ms, restarted in ${restartMs} ms, checked in ${checksMs} ms: ${problems.length ? 'PROBLEMS' : 'all checks hold'}`,
      );
    }
    result.acked = ledger.acked.size;
    if (result.problems.length) log(`crash suite FAILED (replay with CRASH_SEED=${options.seed}):\n${result.problems.join('\n')}`);
    else log(`crash suite: ${result.rounds.length} kills, ${result.acked} acknowledged writes, all checks hold (CRASH_SEED=${options.seed})`);
    return result;
  } finally {
    await server.stopAll();
    await model.close();
    await registry.close();
    if (result.problems.length === 0) rmSync(dataDir, { recursive: true, force: true });
    else log(`the data directory is kept for inspection: ${dataDir}`);
  }
}
