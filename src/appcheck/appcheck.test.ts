import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastToolResult, startScriptedModel, type ScriptedModel, type Step } from '../../test/support/scripted-model.ts';
import { adminPrincipal, createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { describeAppCheck } from '../../wire/agent-events.ts';
import { createAgentService, createModelClient, type AgentEvent } from '../agent/index.ts';
import { createSilentLogger } from '../log.ts';
import { createApp } from '../server/index.ts';
import { runTool } from '../tools/index.ts';
import { AppChecker, samplePath } from './index.ts';

let test: TestPlatform;
const models: ScriptedModel[] = [];
let tenantCounter = 0;
beforeAll(async () => {
  test = await createTestPlatform();
  // The HTTP app hands the check its way to the drafts (as the server does when it starts).
  createApp(test.platform);
});
afterAll(async () => {
  await Promise.all(models.map((m) => m.close()));
  await test.close();
});

/** Renders on the server (effects do not run there) and throws in the browser. */
const THROWS_IN_BROWSER = `import { useEffect } from 'react';
export default function Gauge() {
  useEffect(() => { if (typeof window !== 'undefined') throw new Error('window.gaugeWidth is undefined'); }, []);
  return <p>Gauge</p>;
}`;
const FIXED = `export default function Gauge() { return <p>Gauge</p>; }`;
const CALLS_BROKEN_FUNCTION = `import { useEffect, useState } from 'react';
export default function Stats() {
  const [status, setStatus] = useState('loading');
  useEffect(() => { fetch('/api/stats').then((res) => setStatus(String(res.status))); }, []);
  return <p>Stats: {status}</p>;
}`;
const BROKEN_FUNCTION = `module.exports = async function () { return { status: 500, body: { error: 'stats table missing' } }; };`;
const BLANK = `export default function Nothing() { return null; }`;

const component = (name: string, code: string) => ({ name: 'createFrontendComponent', arguments: { name, code } });
const layout = (routes: Array<[string, string]>) => ({
  name: 'updateUILayout',
  arguments: { blueprint: { version: 1, routes: routes.map(([path, root]) => ({ path, root: { component: root } })) } },
});

async function scenario(steps: Step[], options: { maxRepairs?: number; fallback?: Step } = {}) {
  const scripted = await startScriptedModel(steps, { fallback: options.fallback });
  models.push(scripted);
  const id = `appcheck-${++tenantCounter}`;
  await test.platform.tenants.create(id);
  const model = createModelClient({ baseUrl: scripted.url, apiKey: 'test-key', model: 'scripted', timeoutMs: 5000, maxRetries: 0 });
  const agent = createAgentService(test.platform, { model, limits: { maxSteps: 12, timeoutMs: 120_000, maxRepairs: options.maxRepairs ?? 3 } });
  const events: AgentEvent[] = [];
  const principal = await adminPrincipal(test);
  const run = (prompt: string) => agent.run(id, prompt, (event) => events.push(event), { principal });
  const done = () => events.find((e): e is Extract<AgentEvent, { type: 'done' }> => e.type === 'done');
  const checks = () => events.filter((e) => e.type === 'tool_result' && e.name === 'checkApp');
  return { id, scripted, events, run, done, checks };
}

describe('the app check in a run', () => {
  it('reports a component that throws only in the browser; the model fixes it and the run ends checked', async () => {
    const s = await scenario([
      { toolCalls: [component('Gauge', THROWS_IN_BROWSER), layout([['/', 'Gauge']])] },
      { text: 'Your gauge is ready.' },
      (request) => {
        const report = lastToolResult(request);
        expect(report.ok).toBe(true);
        expect(report.result.ok).toBe(false);
        expect(report.result.mode).toBe('chromium');
        expect(report.result.problems).toContainEqual(expect.objectContaining({ route: '/', component: 'Gauge', kind: 'boundary' }));
        expect(JSON.stringify(report.result.problems)).toContain('window.gaugeWidth is undefined');
        return { toolCalls: [component('Gauge', FIXED)] };
      },
      { text: 'Fixed the gauge.' },
    ]);
    const record = await s.run('Make a gauge');
    expect(record.reason).toBe('answered');
    expect(s.scripted.requests).toHaveLength(4);
    expect(s.checks()).toHaveLength(2);
    expect(s.done()).toMatchObject({ reason: 'answered', text: 'Fixed the gauge.', appCheck: { ok: true, problems: [], mode: 'chromium' } });
  }, 120_000);

  it('reports a page whose request to a function gets 500, naming the function', async () => {
    const s = await scenario([
      {
        toolCalls: [
          { name: 'createBackendFunction', arguments: { name: 'stats', code: BROKEN_FUNCTION } },
          component('Stats', CALLS_BROKEN_FUNCTION),
          layout([['/stats', 'Stats']]),
        ],
      },
      { text: 'Done.' },
    ]);
    await s.run('Show stats');
    const check = s.done()!.appCheck!;
    expect(check.ok).toBe(false);
    expect(check.problems).toContainEqual(expect.objectContaining({ route: '/stats', kind: 'function', function: 'stats' }));
    expect(check.problems.find((p) => p.kind === 'function')!.message).toContain('500');
  }, 120_000);

  it('reports a blank page, and ends with the problems once AGENT_MAX_REPAIRS is spent', async () => {
    const s = await scenario([{ toolCalls: [component('Nothing', BLANK), layout([['/', 'Nothing']])] }], {
      maxRepairs: 2,
      // The model keeps answering without fixing anything.
      fallback: { text: 'It is done.' },
    });
    const record = await s.run('Make a page');
    expect(record.reason).toBe('answered');
    // The first answer and two repairs: three checks, four model calls.
    expect(s.checks()).toHaveLength(3);
    expect(s.scripted.requests).toHaveLength(4);
    const done = s.done()!;
    expect(done.appCheck).toMatchObject({ ok: false, mode: 'chromium' });
    expect(done.appCheck!.problems).toContainEqual(expect.objectContaining({ route: '/', kind: 'blank' }));
    expect(done.message).toContain('AGENT_MAX_REPAIRS');
  }, 120_000);

  it('does not check a run that changed nothing', async () => {
    const s = await scenario([{ toolCalls: [{ name: 'listArtifacts', arguments: {} }] }, { text: 'Nothing to do.' }]);
    await s.run('Look around');
    expect(s.checks()).toHaveLength(0);
    expect(s.done()!.appCheck).toBeUndefined();
  });
});

describe('the checkApp tool', () => {
  it('visits every route with sample parameters and reports each problem by route', async () => {
    const id = `appcheck-tool-${++tenantCounter}`;
    await test.platform.tenants.create(id);
    await runTool(test.platform, id, 'createFrontendComponent', { name: 'Gauge', code: THROWS_IN_BROWSER });
    await runTool(test.platform, id, 'createFrontendComponent', { name: 'Fine', code: FIXED.replace('Gauge', 'Fine') });
    await runTool(
      test.platform,
      id,
      'updateUILayout',
      layout([
        ['/', 'Fine'],
        ['/gauges/:id', 'Gauge'],
      ]).arguments,
    );
    const report = (await runTool(test.platform, id, 'checkApp', {})) as {
      ok: boolean;
      mode: string;
      problems: Array<Record<string, string>>;
      visited: string[];
    };
    expect(report.mode).toBe('chromium');
    expect(report.visited).toEqual(['/', '/gauges/1']);
    expect(report.ok).toBe(false);
    expect(report.problems.length).toBeGreaterThan(0);
    for (const problem of report.problems) expect(problem.route).toBe('/gauges/:id');
    expect(report.problems[0]).toMatchObject({ component: 'Gauge' });
  }, 60_000);

  it('reports uncaught exceptions and unhandled rejections by component, and lets the page reach nothing outside the draft', async () => {
    let outsideHits = 0;
    const outside = http.createServer((_req, res) => {
      outsideHits++;
      res.end('reached');
    });
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
    const port = (outside.address() as AddressInfo).port;
    try {
      const id = `appcheck-tool-${++tenantCounter}`;
      await test.platform.tenants.create(id);
      const code = `import { useEffect } from 'react';
export default function Late() {
  useEffect(() => {
    setTimeout(() => { throw new Error('late failure'); }, 0);
    Promise.reject(new Error('nobody waits for this'));
    fetch('http://127.0.0.1:${port}/exfiltrate').catch(() => {});
  }, []);
  return <p>Late</p>;
}`;
      await runTool(test.platform, id, 'createFrontendComponent', { name: 'Late', code });
      await runTool(test.platform, id, 'updateUILayout', layout([['/', 'Late']]).arguments);
      const report = (await runTool(test.platform, id, 'checkApp', {})) as { ok: boolean; problems: Array<Record<string, string>> };
      expect(report.ok).toBe(false);
      expect(report.problems).toContainEqual(
        expect.objectContaining({ route: '/', kind: 'exception', component: 'Late', message: expect.stringContaining('late failure') }),
      );
      expect(report.problems).toContainEqual(expect.objectContaining({ route: '/', message: expect.stringContaining('nobody waits for this') }));
      expect(outsideHits).toBe(0);
    } finally {
      outside.close();
    }
  }, 60_000);

  it('refuses arguments', async () => {
    const id = `appcheck-tool-${++tenantCounter}`;
    await test.platform.tenants.create(id);
    await expect(runTool(test.platform, id, 'checkApp', { deep: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  });

  it('fills :param segments with a sample', () => {
    expect(samplePath('/notes/:id/edit/:part')).toBe('/notes/1/edit/1');
    expect(samplePath('/')).toBe('/');
  });
});

describe('the check as people see it (builder chat, tessera agent)', () => {
  it('says how it checked, then one line per problem naming the route and the component or function', () => {
    expect(describeAppCheck({ ok: true, problems: [], mode: 'chromium' })).toEqual(['App check in Chromium: no problems.']);
    expect(
      describeAppCheck({
        ok: false,
        mode: 'chromium',
        problems: [
          { route: '/', kind: 'boundary', component: 'Gauge', message: 'boom' },
          { route: '/stats', kind: 'function', function: 'stats', message: 'GET /api/stats answered 500' },
        ],
      }),
    ).toEqual(['App check in Chromium: 2 problems.', '/ Gauge (boundary): boom', '/stats /api/stats (function): GET /api/stats answered 500']);
    expect(describeAppCheck({ ok: true, problems: [], mode: 'server-render' })[0]).toContain('server render only');
  });
});

describe('without Chromium', () => {
  it('falls back to the server render and says so; /healthz tells which check runs', async () => {
    const checker = new AppChecker({ chromiumPath: '/nonexistent/chromium', timeoutMs: 5000, logger: createSilentLogger() });
    expect(checker.mode).toBe('server-render');
    const report = await checker.check('any', ['/']);
    expect(report).toMatchObject({ ok: true, mode: 'server-render', problems: [] });
    expect(report.note).toContain('server render');
    const health = await (await createApp(test.platform).request('/healthz', { headers: { host: 'localhost' } })).json();
    expect(health.appCheck).toBe('chromium');

    const bare = await createTestPlatform({ CHROMIUM_PATH: '/nonexistent/chromium' });
    try {
      const bareHealth = await (await createApp(bare.platform).request('/healthz', { headers: { host: 'localhost' } })).json();
      expect(bareHealth.appCheck).toBe('server-render');
      await bare.platform.tenants.create('nobrowser');
      await runTool(bare.platform, 'nobrowser', 'createFrontendComponent', { name: 'Gauge', code: THROWS_IN_BROWSER });
      await runTool(bare.platform, 'nobrowser', 'updateUILayout', layout([['/', 'Gauge']]).arguments);
      const report = (await runTool(bare.platform, 'nobrowser', 'checkApp', {})) as { ok: boolean; mode: string; note: string };
      expect(report).toMatchObject({ ok: true, mode: 'server-render' });
      expect(report.note).toContain('CHROMIUM_PATH');
    } finally {
      await bare.close();
    }
  }, 60_000);
});
