import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel, type Step } from '../../test/support/scripted-model.ts';
import { adminPrincipal, createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { createAgentService, createModelClient, type AgentEvent } from './index.ts';
import { createRepeatWatch, createTokenBudget } from './run-guards.ts';

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

/** A fresh tenant, a scripted model and an agent service with the given repeat and token bounds. */
async function scenario(steps: Step[], limits: { maxRepeats?: number; maxTokens?: number | null; fallback?: Step } = {}) {
  const scripted = await startScriptedModel(steps, { fallback: limits.fallback });
  models.push(scripted);
  // Ids of one length, so two scenarios' prompts have the same size (the budget test compares them).
  const id = `guards-${String(++tenantCounter).padStart(2, '0')}`;
  await test.platform.tenants.create(id);
  const model = createModelClient({ baseUrl: scripted.url, apiKey: 'test-key', model: 'scripted', timeoutMs: 5000, maxRetries: 0 });
  const agent = createAgentService(test.platform, {
    model,
    limits: { maxSteps: 12, timeoutMs: 60_000, maxRepeats: limits.maxRepeats ?? 3, maxTokens: limits.maxTokens ?? null },
  });
  const events: AgentEvent[] = [];
  const principal = await adminPrincipal(test);
  const run = (prompt: string) => agent.run(id, prompt, (event) => events.push(event), { principal });
  const results = () => events.filter((e): e is Extract<AgentEvent, { type: 'tool_result' }> => e.type === 'tool_result');
  const done = () => events.find((e): e is Extract<AgentEvent, { type: 'done' }> => e.type === 'done');
  return { id, scripted, agent, events, run, results, done };
}

const badName = { name: 'createBackendFunction', arguments: { name: 'Bad Name', code: 'x' } };
const unknownTool = { name: 'deployToMars', arguments: {} };
const harmless = { name: 'listArtifacts', arguments: {} };

describe('a stuck model', () => {
  it('ends the run as stuck after exactly AGENT_MAX_REPEATS identical failures, saying what failed', async () => {
    const s = await scenario([], { fallback: { toolCalls: [badName] } });
    const record = await s.run('Make a function');
    expect(record.reason).toBe('stuck');
    expect(s.scripted.requests).toHaveLength(3);
    expect(s.results().map((r) => [r.name, r.ok])).toEqual([
      ['createBackendFunction', false],
      ['createBackendFunction', false],
      ['createBackendFunction', false],
    ]);
    const failure = s.results()[0]!;
    if (failure.ok) throw new Error('expected a failure');
    expect(s.done()).toMatchObject({ reason: 'stuck', steps: 3 });
    const message = s.done()!.message!;
    expect(message).toContain('createBackendFunction');
    expect(message).toContain('3 times in a row');
    expect(message).toContain(failure.error.code);
    expect(message).toContain(failure.error.message);
    expect((await s.agent.conversation(s.id)).runs.map((r) => r.reason)).toEqual(['stuck']);
    expect((await test.platform.registry.listAgentRuns(s.id)).map((r) => r.reason)).toEqual(['stuck']);
  });

  it('honours a different AGENT_MAX_REPEATS, and stops mid-turn with every call answered', async () => {
    const s = await scenario([{ toolCalls: [unknownTool, unknownTool, unknownTool, harmless] }], { maxRepeats: 2 });
    const record = await s.run('Go to Mars');
    expect(record.reason).toBe('stuck');
    expect(s.scripted.requests).toHaveLength(1);
    // Two calls ran; the rest of the turn did not, but each has a result so the history stays valid.
    expect(s.results().map((r) => r.name)).toEqual(['deployToMars', 'deployToMars']);
    const conversation = await s.agent.conversation(s.id);
    expect(conversation.messages.filter((m) => m.role === 'tool')).toHaveLength(4);
    expect(s.done()!.message).toMatch(/deployToMars failed 2 times in a row .*UNKNOWN_TOOL/);
  });

  it('is not tripped by failures that alternate', async () => {
    const s = await scenario([
      { toolCalls: [badName] },
      { toolCalls: [unknownTool] },
      { toolCalls: [badName] },
      { toolCalls: [unknownTool] },
      { toolCalls: [badName, unknownTool] },
      { text: 'I give up.' },
    ]);
    expect((await s.run('Try things')).reason).toBe('answered');
    expect(s.results().filter((r) => !r.ok)).toHaveLength(6);
  });

  it('starts counting again after a success', async () => {
    const s = await scenario([
      { toolCalls: [badName] },
      { toolCalls: [badName] },
      { toolCalls: [harmless] },
      { toolCalls: [badName] },
      { toolCalls: [badName] },
      { text: 'Done trying.' },
    ]);
    expect((await s.run('Try again')).reason).toBe('answered');
    expect(s.results().map((r) => r.ok)).toEqual([false, false, true, false, false]);
  });
});

describe('the token budget of a run', () => {
  it('ends the run as budget before the model call that would pass AGENT_MAX_TOKENS', async () => {
    // An unbounded run of the same two steps shows what each call costs.
    const steps: Step[] = [{ toolCalls: [harmless] }, { text: 'Here it is.' }];
    const probe = await scenario(steps);
    expect((await probe.run('List things')).reason).toBe('answered');
    const costs = probe.events.flatMap((e) => (e.type === 'usage' ? [e.usage.promptTokens + e.usage.completionTokens] : []));
    expect(costs).toHaveLength(2);
    const [first, second] = costs as [number, number];

    // Room for the first call and half the second: the second is never sent.
    const maxTokens = first + Math.floor(second / 2);
    const s = await scenario(steps, { maxTokens });
    const record = await s.run('List things');
    expect(record.reason).toBe('budget');
    expect(s.scripted.requests).toHaveLength(1);
    expect(record.steps).toBe(1);
    const used = record.usage.promptTokens + record.usage.completionTokens;
    expect(used).toBeLessThanOrEqual(maxTokens);
    expect(s.done()).toMatchObject({ reason: 'budget', steps: 1 });
    expect(s.done()!.message).toContain(`used ${used} tokens of the ${maxTokens}`);
    expect(s.done()!.message).toContain('AGENT_MAX_TOKENS');
    expect((await s.agent.conversation(s.id)).runs.map((r) => r.reason)).toEqual(['budget']);
    expect((await test.platform.registry.listAgentRuns(s.id)).map((r) => [r.reason, r.promptTokens + r.completionTokens])).toEqual([['budget', used]]);

    // With room for both, the same run answers.
    const roomy = await scenario(steps, { maxTokens: first + second + 1000 });
    expect((await roomy.run('List things')).reason).toBe('answered');
  });

  it('makes no model call at all when the first would pass the budget', async () => {
    const s = await scenario([{ text: 'Never sent.' }], { maxTokens: 50 });
    const record = await s.run('Hello');
    expect(record.reason).toBe('budget');
    expect(s.scripted.requests).toHaveLength(0);
    expect(s.done()).toMatchObject({ reason: 'budget', steps: 0, usage: { promptTokens: 0, completionTokens: 0 } });
    expect(s.done()!.message).toContain('used 0 tokens of the 50');
  });
});

describe('run guards', () => {
  it('counts only the same tool with the same code and message, in a row', () => {
    const watch = createRepeatWatch(3);
    const error = { code: 'UNKNOWN_TOOL', message: 'No such tool.' } as const;
    expect(watch.record('a', error)).toBeNull();
    expect(watch.record('a', error)).toBeNull();
    expect(watch.record('a', { ...error, message: 'Another message.' })).toBeNull();
    expect(watch.record('a', error)).toBeNull();
    expect(watch.record('b', error)).toBeNull();
    expect(watch.record('a', error)).toBeNull();
    expect(watch.record('a', error)).toBeNull();
    expect(watch.record('a', error)).toContain('a failed 3 times in a row with the same error (UNKNOWN_TOOL: No such tool.)');
  });

  it('predicts the next call from the model-reported tokens per character', () => {
    expect(createTokenBudget(null).check(1e9)).toBeNull();
    const budget = createTokenBudget(1000);
    // Before any usage: 4 characters a token.
    expect(budget.check(4000)).toBeNull();
    expect(budget.check(4004)).toContain('about 1001 more');
    // This model counts 2 characters a token, and answered with 50 tokens.
    budget.observe(800, { promptTokens: 400, completionTokens: 50 });
    expect(budget.check(1000)).toBeNull(); // 450 used + 500 + 50
    expect(budget.check(1002)).toContain('used 450 tokens of the 1000');
  });

  it('counts a call whose server reports no usage as its prediction', () => {
    const budget = createTokenBudget(1000);
    budget.observe(2000, { promptTokens: 0, completionTokens: 0 });
    expect(budget.check(2000)).toBeNull(); // 500 estimated + 500
    expect(budget.check(2004)).toMatch(/used 500 tokens \(estimated in part: .*\) of the 1000/);
  });
});
