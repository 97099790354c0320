import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastToolResult, startScriptedModel, type ScriptedModel, type Step } from '../../test/support/scripted-model.ts';
import { adminPrincipal, createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { createAgentService, createModelClient, type AgentEvent } from './index.ts';

const example = (file: string) => readFileSync(new URL(`../../examples/notes/${file}`, import.meta.url), 'utf8');

let test: TestPlatform;
const models: ScriptedModel[] = [];
let tenantCounter = 0;
beforeAll(async () => {
  test = await createTestPlatform();
});
afterAll(async () => {
  await Promise.all(models.map((m) => m.close()));
  await test.close();
});

/** A fresh tenant, a scripted model and an agent service bound to both. */
async function scenario(
  steps: Step[],
  options: {
    maxSteps?: number;
    timeoutMs?: number;
    fallback?: Step;
    maxRetries?: number;
    baseUrl?: string;
    apiKey?: string;
    modelName?: string;
    stream?: boolean;
    serverOptions?: Parameters<typeof startScriptedModel>[1];
    contextTokens?: number;
  } = {},
) {
  const scripted = await startScriptedModel(steps, { fallback: options.fallback, ...options.serverOptions });
  models.push(scripted);
  const id = `agent-${++tenantCounter}`;
  await test.platform.tenants.create(id);
  const model = createModelClient({
    baseUrl: options.baseUrl ?? scripted.url,
    apiKey: options.apiKey ?? 'test-key',
    model: options.modelName ?? 'scripted',
    timeoutMs: 5000,
    maxRetries: options.maxRetries ?? 2,
    stream: options.stream,
  });
  const agent = createAgentService(test.platform, {
    model,
    limits: {
      maxSteps: options.maxSteps ?? 12,
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.contextTokens ? { contextTokens: options.contextTokens } : {}),
    },
  });
  const events: AgentEvent[] = [];
  const principal = await adminPrincipal(test);
  const logLines: Array<Record<string, any>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const run = (prompt: string) => agent.run(id, prompt, (event) => events.push(event), { principal, logger });
  const tenant = () => test.platform.tenants.get(id);
  const commits = async () => (await (await tenant()).workspace.log()).map((c) => c.message);
  const results = () => events.filter((e): e is Extract<AgentEvent, { type: 'tool_result' }> => e.type === 'tool_result');
  return { id, scripted, agent, events, run, tenant, commits, results, logLines };
}

describe('agent loop', () => {
  it('builds the notes app from one prompt, streaming every step', async () => {
    const s = await scenario([
      { text: 'Let me look first.', toolCalls: [{ name: 'listArtifacts', arguments: {} }] },
      { toolCalls: [{ name: 'updateDatabaseSchema', arguments: { sql: example('schema.sql') } }] },
      { toolCalls: [{ name: 'createBackendFunction', arguments: { name: 'notes', code: example('notes.js'), sample: { method: 'GET' } } }] },
      {
        toolCalls: [
          { name: 'createFrontendComponent', arguments: { name: 'NotesApp', code: example('NotesApp.tsx') } },
          { name: 'updateUILayout', arguments: { blueprint: JSON.parse(example('blueprint.json')) } },
        ],
      },
      { text: 'Your notes app is ready.' },
    ]);
    const record = await s.run('Build me a notes app');
    expect(record.reason).toBe('answered');
    expect(record.steps).toBe(5);
    expect(record.usage.promptTokens).toBeGreaterThan(0);
    const types = s.events.map((e) => e.type);
    expect(types[0]).toBe('run_started');
    expect(types.at(-1)).toBe('done');
    expect(
      s.events
        .filter((e) => e.type === 'text')
        .map((e) => (e as { delta: string }).delta)
        .join(''),
    ).toContain('Let me look first.');
    expect(s.results().map((r) => [r.name, r.ok])).toEqual([
      ['listArtifacts', true],
      ['updateDatabaseSchema', true],
      ['createBackendFunction', true],
      ['createFrontendComponent', true],
      ['updateUILayout', true],
      // The platform's own check of what the run built, before the run ends (server render here: no HTTP app).
      ['checkApp', true],
    ]);
    expect(s.events.at(-1)).toMatchObject({
      type: 'done',
      reason: 'answered',
      text: 'Your notes app is ready.',
      appCheck: { ok: true, mode: 'server-render' },
    });
    expect(await s.commits()).toEqual([
      'Update UI layout: 1 route (/)',
      'Add component NotesApp',
      'Add function notes',
      'Migration 1: 2 statements (create table notes)',
      `Create app ${s.id}`,
    ]);
    // The model was given the tools with their JSON Schemas and, each step, the app's current state.
    const last = s.scripted.requests.at(-1)!;
    expect(last.tools?.map((t) => t.function.name)).toEqual(
      expect.arrayContaining(['updateDatabaseSchema', 'createBackendFunction', 'createFrontendComponent', 'updateUILayout', 'queryDatabase', 'invokeFunction']),
    );
    expect(last.messages[0]!.content).toContain('Components: NotesApp');
    expect(last.messages[0]!.content).toContain('notes(id INTEGER');
  });

  it('feeds a compile error back with line and column, then accepts the fix', async () => {
    const s = await scenario([
      { toolCalls: [{ name: 'createFrontendComponent', arguments: { name: 'Hello', code: 'export default function Hello() {\n  return <p>hi</p\n}' } }] },
      (request) => {
        const feedback = lastToolResult(request);
        expect(feedback.ok).toBe(false);
        expect(feedback.error?.code).toBe('COMPILE_ERROR');
        expect(feedback.error?.message).toMatch(/frontend\/Hello\.tsx:3:\d+/);
        return {
          toolCalls: [{ name: 'createFrontendComponent', arguments: { name: 'Hello', code: 'export default function Hello() {\n  return <p>hi</p>;\n}' } }],
        };
      },
      { text: 'Fixed.' },
    ]);
    expect((await s.run('Say hi')).reason).toBe('answered');
    // The failed call, the fix, and the platform's check of the changed app.
    expect(s.results().map((r) => r.ok)).toEqual([false, true, true]);
    expect(await s.commits()).toEqual(['Add component Hello', `Create app ${s.id}`]);
  });

  it('works with servers that do not stream', async () => {
    const s = await scenario(
      [{ text: 'Looking.', toolCalls: [{ name: 'updateDatabaseSchema', arguments: { sql: 'CREATE TABLE plain (x TEXT)' } }] }, { text: 'Made a table.' }],
      { stream: false },
    );
    const record = await s.run('A table please');
    expect(record.reason).toBe('answered');
    expect(s.scripted.requests.every((r) => !r.stream)).toBe(true);
    expect((await (await s.tenant()).draftDb.describe()).map((t) => t.name)).toEqual(['plain']);
    expect(s.events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta)).toEqual(['Looking.', 'Made a table.']);
  });

  it('feeds failing DDL back and leaves the database untouched until the fix', async () => {
    const s = await scenario([
      {
        toolCalls: [
          { name: 'updateDatabaseSchema', arguments: { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY); CREATE INDEX items_name ON items (name);' } },
        ],
      },
      (request) => {
        expect(lastToolResult(request).error).toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('Statement 2 of 2 failed') });
        return {
          toolCalls: [
            {
              name: 'updateDatabaseSchema',
              arguments: { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); CREATE INDEX items_name ON items (name);' },
            },
          ],
        };
      },
      { text: 'Done.' },
    ]);
    await s.run('Add items');
    const tenant = await s.tenant();
    expect(tenant.state.migrationVersion).toBe(1);
    expect((await tenant.draftDb.describe()).find((t) => t.name === 'items')?.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(await s.commits()).toHaveLength(2);
  });

  it('feeds a blueprint reference error back, then accepts the fixed layout', async () => {
    const s = await scenario([
      { toolCalls: [{ name: 'updateUILayout', arguments: { blueprint: { version: 1, routes: [{ path: '/', root: { component: 'Missing' } }] } } }] },
      (request) => {
        expect(lastToolResult(request).error).toMatchObject({ code: 'BLUEPRINT_REFERENCE', details: { missingComponents: ['Missing'] } });
        return {
          toolCalls: [
            {
              name: 'updateUILayout',
              arguments: { blueprint: { version: 1, routes: [{ path: '/', root: { component: 'Heading', props: { text: 'Hello' } } }] } },
            },
          ],
        };
      },
      { text: 'Done.' },
    ]);
    await s.run('A home page');
    expect((await s.tenant()).state.blueprint.routes[0]?.root.component).toBe('Heading');
  });

  it('answers malformed tool-call JSON and unknown tools with errors the model can act on', async () => {
    const s = await scenario([
      { toolCalls: [{ name: 'updateDatabaseSchema', arguments: '{"sql": "CREATE TABLE x (a)"' }] },
      (request) => {
        expect(lastToolResult(request).error).toMatchObject({ code: 'INVALID_JSON', message: expect.stringContaining('not valid JSON') });
        return { toolCalls: [{ name: 'deployToMars', arguments: {} }] };
      },
      (request) => {
        expect(lastToolResult(request).error).toMatchObject({ code: 'UNKNOWN_TOOL', message: expect.stringContaining('updateDatabaseSchema') });
        return { toolCalls: [{ name: 'createBackendFunction', arguments: { name: 'Bad Name', code: 'x' } }] };
      },
      (request) => {
        expect(lastToolResult(request).error).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringContaining('lower-kebab-case') });
        return { text: 'I could not do it.' };
      },
    ]);
    expect((await s.run('Break things')).reason).toBe('answered');
    expect(await s.commits()).toEqual([`Create app ${s.id}`]);
  });

  it('refuses a function whose sample call fails, and says why', async () => {
    const s = await scenario([
      {
        toolCalls: [
          { name: 'createBackendFunction', arguments: { name: 'crashy', code: "module.exports = async () => { throw new Error('db is down') }", sample: {} } },
        ],
      },
      (request) => {
        const error = lastToolResult(request).error!;
        expect(error.code).toBe('FUNCTION_INVALID');
        expect(error.message).toContain('answered 500');
        expect(error.message).toContain('db is down');
        return { text: 'It fails.' };
      },
    ]);
    await s.run('Make a function');
    expect((await s.tenant()).state.functions.has('crashy')).toBe(false);
  });

  it('stops a model that never stops at the step limit', async () => {
    const s = await scenario([], { maxSteps: 3, fallback: { toolCalls: [{ name: 'listArtifacts', arguments: {} }] } });
    const record = await s.run('Loop forever');
    expect(record.reason).toBe('step_limit');
    expect(s.scripted.requests).toHaveLength(3);
    expect(await s.commits()).toEqual([`Create app ${s.id}`]);
    expect(s.events.at(-1)).toMatchObject({ type: 'done', reason: 'step_limit', message: expect.stringContaining('limit of 3 steps') });
  });

  it('stops at the wall-clock limit', async () => {
    const s = await scenario([], { timeoutMs: 1500, fallback: { delayMs: 600, then: { toolCalls: [{ name: 'listArtifacts', arguments: {} }] } } });
    const record = await s.run('Take your time');
    expect(record.reason).toBe('time_limit');
    expect(s.events.at(-1)).toMatchObject({ message: expect.stringContaining('time limit') });
  });

  it('retries a 500 and goes on', async () => {
    const s = await scenario([{ status: 500 }, { status: 503 }, { text: 'Hello after retries.' }], { maxRetries: 3 });
    const record = await s.run('Hi');
    expect(record.reason).toBe('answered');
    expect(s.scripted.requests).toHaveLength(3);
    expect(await s.commits()).toEqual([`Create app ${s.id}`]);
  });

  it('says clearly when the endpoint is unreachable, refuses the key, or does not know the model', async () => {
    const unreachable = await scenario([], { baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 0 });
    expect((await unreachable.run('Hi')).reason).toBe('error');
    expect(await unreachable.commits()).toEqual([`Create app ${unreachable.id}`]);
    expect(unreachable.events.find((e) => e.type === 'error')).toMatchObject({
      error: { code: 'MODEL_UNAVAILABLE', message: expect.stringContaining('Cannot reach the model endpoint http://127.0.0.1:9/v1') },
    });
    // A failed run is a system problem for whoever runs the server: logged at error, with why.
    expect(unreachable.logLines.find((line) => line.msg === 'agent run failed')).toMatchObject({
      level: 50,
      tenant: unreachable.id,
      reason: 'error',
      error: { code: 'MODEL_UNAVAILABLE' },
    });
    const badKey = await scenario([], { apiKey: 'wrong', serverOptions: { apiKey: 'right' } });
    await badKey.run('Hi');
    expect(badKey.events.find((e) => e.type === 'error')).toMatchObject({
      error: { code: 'MODEL_REFUSED', message: expect.stringContaining('OPENAI_API_KEY') },
    });
    const unknownModel = await scenario([], { modelName: 'gpt-17', serverOptions: { models: ['scripted'] } });
    await unknownModel.run('Hi');
    expect(unknownModel.events.find((e) => e.type === 'error')).toMatchObject({
      error: { code: 'MODEL_REFUSED', message: expect.stringContaining('"gpt-17"') },
    });
  });

  it('lets one run at a time write a tenant, cancels between steps, and keeps the history', async () => {
    const s = await scenario([], {
      fallback: { delayMs: 200, then: { toolCalls: [{ name: 'updateDatabaseSchema', arguments: { sql: `CREATE TABLE IF NOT EXISTS t (x)` } }] } },
    });
    const first = s.run('Keep going');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(s.run('Me too')).rejects.toMatchObject({ code: 'TENANT_BUSY' });
    expect(s.agent.cancel(s.id)).toBe(true);
    const record = await first;
    expect(record.reason).toBe('cancelled');
    expect(s.agent.isRunning(s.id)).toBe(false);
    // Consistent: every commit is whole, and the database matches the repo's migrations.
    const tenant = await s.tenant();
    expect(await tenant.draftDb.currentVersion()).toBe(tenant.state.migrationVersion);
    const conversation = await s.agent.conversation(s.id);
    expect(conversation.runs.map((r) => r.reason)).toEqual(['cancelled']);
    expect(conversation.messages[0]).toEqual({ role: 'user', content: 'Keep going' });
  });

  it('continues the conversation on the next prompt', async () => {
    const s = await scenario([{ text: 'First answer.' }, { text: 'Second answer.' }]);
    await s.run('First question');
    await s.run('Second question');
    const second = s.scripted.requests[1]!;
    expect(second.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', expect.any(String)],
      ['user', 'First question'],
      ['assistant', 'First answer.'],
      ['user', 'Second question'],
    ]);
    expect((await s.agent.conversation(s.id)).runs).toHaveLength(2);
    // The registry keeps each run with its token usage.
    const runs = await test.platform.registry.listAgentRuns(s.id);
    expect(runs.map((r) => [r.prompt, r.reason])).toEqual([
      ['First question', 'answered'],
      ['Second question', 'answered'],
    ]);
    expect(runs[0]!.promptTokens).toBeGreaterThan(0);
  });

  it('sends what fits AGENT_CONTEXT_TOKENS: the system prompt and the newest turns, by a token estimate', async () => {
    const { estimateTokens } = await import('./tokens.ts');
    const { historyBudget } = await import('./loop.ts');
    const long = (n: number) => `Question ${n}: ${'please remember this detail about the shop. '.repeat(120)}`;
    // With the default window of a 32k model all three turns fit.
    const roomy = await scenario([{ text: 'One.' }, { text: 'Two.' }, { text: 'Three.' }]);
    for (const n of [1, 2, 3]) await roomy.run(long(n));
    const full = roomy.scripted.requests[2]!;
    expect(full.messages).toHaveLength(6);
    // A window with room for about one and a half questions beside the system prompt, the tools and the answer.
    const fixed = estimateTokens(String(full.messages[0]!.content)) + estimateTokens(JSON.stringify(full.tools));
    const question = estimateTokens(JSON.stringify({ role: 'user', content: long(3) }));
    const window = fixed + 4096 + Math.round(question * 1.5);
    const s = await scenario([{ text: 'One.' }, { text: 'Two.' }, { text: 'Three.' }], { contextTokens: Math.max(window, 16_384) });
    for (const n of [1, 2, 3]) await s.run(long(n));
    const third = s.scripted.requests[2]!;
    expect(third.messages[0]!.role).toBe('system');
    const budget = historyBudget(Math.max(window, 16_384), String(third.messages[0]!.content), JSON.stringify(third.tools));
    const sent = third.messages.slice(1);
    // The newest turn, whole; older turns only as far as the budget goes, cut before a user message.
    expect(sent.at(-1)).toEqual({ role: 'user', content: long(3) });
    expect(sent[0]!.role).toBe('user');
    expect(sent.length).toBeLessThan(6);
    expect(estimateTokens(JSON.stringify(sent.slice(0, -1)))).toBeLessThanOrEqual(budget);
  });
});

describe('recentMessages', () => {
  it('keeps the newest turns within the budget and never splits a tool call from its result', async () => {
    const { recentMessages } = await import('./loop.ts');
    const turn = (n: number) => [
      { role: 'user' as const, content: `question ${n} ${'x'.repeat(100)}` },
      {
        role: 'assistant' as const,
        content: null,
        tool_calls: [{ id: `c${n}`, type: 'function' as const, function: { name: 'listArtifacts', arguments: '{}' } }],
      },
      { role: 'tool' as const, tool_call_id: `c${n}`, content: 'y'.repeat(100) },
      { role: 'assistant' as const, content: `answer ${n}` },
    ];
    const all = [1, 2, 3, 4, 5].flatMap(turn);
    expect(recentMessages(all, 1_000_000)).toEqual(all);
    const kept = recentMessages(all, 150);
    expect(kept[0]).toMatchObject({ role: 'user' });
    expect(kept.length).toBeLessThan(all.length);
    expect(kept.at(-1)).toEqual(all.at(-1));
    // Even a budget smaller than one turn keeps the newest whole turn.
    expect(recentMessages(all, 10)).toEqual(turn(5));
  });
});
