import { ApiError, type CrashServer } from './server.ts';

/** The app the suite writes to live, deploys and edits, and the app whose schema only grows. */
export const APP = 'crash';
export const SCHEMA_APP = 'schema';

/** What the client has seen answered, across every kill: the suite checks it survived. */
export interface CrashLedger {
  /** Ids of live writes answered 2xx (each row carries its client-chosen id). */
  acked: Set<string>;
  /** Commits of tool calls answered ok, by app: each must stay in the app's history. */
  commits: Array<{ app: string; commit: string }>;
  /** Releases answered 201: each must still be listed. */
  releases: string[];
  /** The APP's last deploy answered ok, and one sent but unanswered when the kill came: live is one of them. */
  deploy: { acked: string; inFlight: string | null };
  /** Problems an activity met while the server was up (an error answer is a finding, not noise). */
  findings: string[];
}

export interface ActivityContext {
  server: CrashServer;
  random: () => number;
  ledger: CrashLedger;
  /** Which kill this is, for ids and names. */
  round: number;
  /** True once the kill was sent: from then on, failed requests are the crash, not findings. */
  killed: () => boolean;
}

/**
 * One kind of work the server is killed in the middle of. `run` repeats it until the server is gone.
 * Adding one is adding an entry to `ACTIVITIES` (the kills take them in turn).
 */
export interface Activity {
  name: string;
  run(ctx: ActivityContext): Promise<void>;
}

/** A write function (INSERT through `@tessera/db`) and a read one, live from release 1.0.0 on. */
export const WRITE_FUNCTION = `const db = require('@tessera/db');
module.exports = async (context) => {
  const { id } = context.request.body;
  await db.execute('INSERT INTO writes (id, at) VALUES (?, ?)', [id, Date.now()]);
  return { status: 201, body: { id } };
};`;
export const LIST_FUNCTION = `const db = require('@tessera/db');
module.exports = async () => ({ status: 200, body: (await db.query('SELECT id FROM writes')).map((row) => row.id) });`;
export const homeComponent = (label: string): string => `export default function Home() { return <main><h1>Crash ${label}</h1></main>; }`;

/** Runs `step` until the kill; an error before the kill is a finding, after it the expected crash. */
async function repeat(ctx: ActivityContext, name: string, step: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; !ctx.killed(); i++) {
    try {
      await step(i);
    } catch (err) {
      // Give the kill a moment to be seen: a reset connection may arrive before the exit event.
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (ctx.killed() && !(err instanceof ApiError && err.status < 500)) return;
      ctx.ledger.findings.push(`round ${ctx.round} ${name}: ${(err as Error).message}`);
      if (ctx.killed()) return;
    }
  }
}

async function tool(ctx: ActivityContext, app: string, name: string, args: unknown): Promise<void> {
  const { result } = await ctx.server.api('POST', `/api/tenants/${app}/tools/${name}`, args);
  if (typeof result?.commit === 'string') ctx.ledger.commits.push({ app, commit: result.commit });
}

async function release(ctx: ActivityContext, version: string): Promise<void> {
  await ctx.server.api('POST', `/api/tenants/${APP}/releases`, { version });
  ctx.ledger.releases.push(version);
}

async function deploy(ctx: ActivityContext, version: string): Promise<void> {
  ctx.ledger.deploy.inFlight = version;
  await ctx.server.api('POST', `/api/tenants/${APP}/releases/${version}/deploy`, {});
  ctx.ledger.deploy = { acked: version, inFlight: null };
}

/** Live writes, `writers` at a time, each row named by the client. */
export function liveWrites(ctx: ActivityContext, writers: number): Promise<void> {
  return Promise.all(
    Array.from({ length: writers }, (_, writer) =>
      repeat(ctx, 'live write', async (i) => {
        const id = `r${ctx.round}-w${writer}-${i}`;
        const res = await ctx.server.live(APP, '/api/write', { method: 'POST', body: { id } });
        if (res.status >= 200 && res.status < 300) ctx.ledger.acked.add(id);
        else throw new Error(`live write ${id} answered ${res.status}: ${res.text.slice(0, 300)}`);
      }),
    ),
  ).then(() => undefined);
}

const toolCalls: Activity = {
  name: 'tool calls',
  run: (ctx) =>
    repeat(ctx, 'tool calls', async (i) => {
      const label = `r${ctx.round}-${i}`;
      if (i % 3 === 0) await tool(ctx, APP, 'createFrontendComponent', { name: 'Home', code: homeComponent(label) });
      else if (i % 3 === 1)
        await tool(ctx, APP, 'createBackendFunction', {
          name: 'echo',
          code: `module.exports = async () => ({ status: 200, body: ${JSON.stringify(label)} });`,
        });
      else
        await tool(ctx, APP, 'updateUILayout', {
          blueprint: { version: 1, title: `Crash ${label}`, routes: [{ path: '/', root: { component: 'Home' } }] },
        });
    }),
};

const agentRuns: Activity = {
  name: 'agent runs',
  run: (ctx) =>
    repeat(ctx, 'agent run', async (i) => {
      const res = await fetch(`${ctx.server.url}/api/tenants/${APP}/agent`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ctx.server.settings.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `Change the home page (round ${ctx.round}, run ${i}).` }),
      });
      const text = await res.text();
      if (!res.ok) throw new ApiError(`POST agent: ${res.status} ${text.slice(0, 300)}`, res.status);
      if (!text.includes('"done"') && !ctx.killed()) throw new Error(`agent run ended without its done event: ${text.slice(-300)}`);
    }),
};

async function nextPatch(ctx: ActivityContext): Promise<number> {
  const { releases } = await ctx.server.api('GET', `/api/tenants/${APP}/releases`);
  return Math.max(...(releases as Array<{ version: string }>).map((r) => Number(r.version.split('.')[2]))) + 1;
}

const deploys: Activity = {
  name: 'deploys',
  run: (ctx) =>
    repeat(ctx, 'deploy', async () => {
      const version = `1.0.${await nextPatch(ctx)}`;
      await release(ctx, version);
      await deploy(ctx, version);
      // Now and then a rollback: deploying an older release.
      if (ctx.random() < 0.4) {
        const { releases } = await ctx.server.api('GET', `/api/tenants/${APP}/releases`);
        const older = releases[Math.floor(ctx.random() * releases.length)].version;
        await deploy(ctx, older);
      }
    }),
};

/** A release that adds a migration (table d<k>), deployed: the schema change rides with the deploy. */
const migratingDeploys: Activity = {
  name: 'deploys with a migration',
  run: (ctx) =>
    repeat(ctx, 'deploy with a migration', async () => {
      const { files } = await ctx.server.api('GET', `/api/tenants/${APP}/files`);
      const next = (files as string[]).filter((file) => file.startsWith('migrations/')).length + 1;
      await tool(ctx, APP, 'updateDatabaseSchema', { sql: `CREATE TABLE d${next} (id INTEGER PRIMARY KEY, v TEXT)` });
      const version = `1.0.${await nextPatch(ctx)}`;
      await release(ctx, version);
      await deploy(ctx, version);
    }),
};

const FORMAT_VERSIONS = ['1.0.0', '1.1.0', '2.0.0'];

const packageInstalls: Activity = {
  name: 'package installs',
  run: (ctx) =>
    repeat(ctx, 'package install', async (i) => {
      const version = FORMAT_VERSIONS[(ctx.round + i) % FORMAT_VERSIONS.length]!;
      const [name, dependencies] =
        i % 4 === 3 ? ['uses-old-format', { 'uses-old-format': '1.0.0' }] : ['tiny-format', { 'tiny-format': version, 'tiny-pad': '1.0.0' }];
      const call = name === 'tiny-format' ? 'fmt' : 'old';
      await tool(ctx, APP, 'createBackendFunction', {
        name: 'fmt',
        code: `const { ${call} } = require('${name}');\nmodule.exports = async () => ({ status: 200, body: ${call}('x') });`,
        dependencies,
      });
    }),
};

/** Migration k creates table tk, nothing else: a database at user_version k has exactly t1..tk. */
const migrations: Activity = {
  name: 'migrations',
  run: (ctx) =>
    repeat(ctx, 'migration', async () => {
      const { files } = await ctx.server.api('GET', `/api/tenants/${SCHEMA_APP}/files`);
      const next = (files as string[]).filter((file) => file.startsWith('migrations/')).length + 1;
      await tool(ctx, SCHEMA_APP, 'updateDatabaseSchema', { sql: `CREATE TABLE t${next} (id INTEGER PRIMARY KEY, v TEXT)` });
    }),
};

const writes: Activity = { name: 'live writes', run: (ctx) => liveWrites(ctx, 4) };

export const ACTIVITIES: Activity[] = [toolCalls, agentRuns, deploys, packageInstalls, migrations, writes, migratingDeploys];
