import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TesseraError, toTesseraError } from '../errors.ts';
import type { Tenant } from '../tenants/index.ts';
import { ALL_TOOLS } from '../tools/index.ts';
import type { AgentEvent, AppCheckOutcome, DoneReason, Usage } from './events.ts';
import { saveConversation, type Conversation, type RunRecord } from './history.ts';
import type { ChatCompletionMessageParam, ChatCompletionTool, ModelClient, ModelTurn } from './model-client.ts';
import { createRepeatWatch, createTokenBudget } from './run-guards.ts';
import { buildSystemPrompt } from './system-prompt.ts';
import { estimateTokens } from './tokens.ts';

export interface AgentLimits {
  maxSteps: number;
  timeoutMs: number;
  /** The same failing tool call (tool, error code, message) this many times in a row ends the run as `stuck`. */
  maxRepeats: number;
  /** Prompt + completion tokens the run may use; null for no bound. */
  maxTokens: number | null;
  /** Times the app check may send problems back to the model before the run ends with them (AGENT_MAX_REPAIRS). */
  maxRepairs: number;
  /** The model's context window in tokens (AGENT_CONTEXT_TOKENS); the conversation sent is trimmed to fit it. */
  contextTokens: number;
}

export interface RunInput {
  tenant: Tenant;
  prompt: string;
  model: ModelClient;
  conversation: Conversation;
  conversationFile: string;
  limits: AgentLimits;
  signal: AbortSignal;
  emit(event: AgentEvent): void;
  /** Runs one tool (validation, tenant lock, apply, commit); throws a TesseraError on failure. */
  callTool(name: string, args: unknown): Promise<unknown>;
  /** Runs the app check on the draft (the checkApp tool, as the platform). */
  checkApp(): Promise<AppCheckOutcome & Record<string, unknown>>;
}

const CHECK_TOOL = 'checkApp';
const writes = (name: string): boolean => ALL_TOOLS.some((tool) => tool.name === name && !tool.readOnly);

/** The tools as the model sees them: generated from the same zod schemas the tools validate with. */
export function modelTools(): ChatCompletionTool[] {
  return ALL_TOOLS.map((tool) => {
    const { $schema: _schema, ...parameters } = z.toJSONSchema(tool.parameters, { io: 'input' }) as Record<string, unknown>;
    return { type: 'function', function: { name: tool.name, description: tool.description, parameters } };
  });
}

const MAX_TOOL_RESULT_CHARS = 12_000;

/**
 * The tokens of the conversation that fit the model's window: the window, less the system prompt,
 * the tools' schemas and room for the answer (a quarter of the window, at most 4096 tokens).
 */
export function historyBudget(contextTokens: number, systemPrompt: string, toolsJson: string): number {
  const answer = Math.min(4096, Math.floor(contextTokens / 4));
  return contextTokens - answer - estimateTokens(systemPrompt) - estimateTokens(toolsJson);
}

/**
 * The newest part of the conversation that fits `budget` tokens (estimated: estimateTokens), cut
 * only before a user message so a tool call is never separated from its result; the newest turn is
 * always kept whole. The system prompt carries the app's current state, so little is lost when old
 * turns drop out.
 */
export function recentMessages(messages: ChatCompletionMessageParam[], budget: number): ChatCompletionMessageParam[] {
  let size = 0;
  let start = messages.length;
  for (let i = messages.length - 1; i >= 0; i--) {
    size += estimateTokens(JSON.stringify(messages[i]));
    if (messages[i]!.role === 'user') {
      if (size > budget && start < messages.length) break;
      start = i;
    }
  }
  return messages.slice(start);
}

function toolMessageContent(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > MAX_TOOL_RESULT_CHARS ? `${text.slice(0, MAX_TOOL_RESULT_CHARS)}… (truncated)` : text;
}

function parseArguments(raw: string): unknown {
  try {
    return raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    throw new TesseraError('INVALID_JSON', `The tool call's arguments are not valid JSON (${(err as Error).message}). Send the arguments as one JSON object.`);
  }
}

/**
 * One agent run: the model plans and calls tools until it answers. Every tool error goes back to the
 * model as the tool's result, so it can correct itself. Bounded by steps, wall-clock time, repeats
 * of one failing call and tokens; a cancel stops it between steps (or aborts the model call in
 * flight). The tenant stays consistent because each tool call is atomic on its own.
 */
export async function runAgent(input: RunInput): Promise<RunRecord> {
  const { tenant, model, conversation, emit, limits } = input;
  const record: RunRecord = {
    id: randomUUID(),
    prompt: input.prompt,
    model: model.model,
    startedAt: new Date().toISOString(),
    steps: 0,
    usage: { promptTokens: 0, completionTokens: 0 },
  };
  conversation.runs.push(record);
  conversation.messages.push({ role: 'user', content: input.prompt });
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = AbortSignal.any([input.signal, timeout]);
  const tools = modelTools();
  const toolsJson = JSON.stringify(tools);
  const toolsChars = toolsJson.length;
  const total: Usage = record.usage;
  const repeats = createRepeatWatch(limits.maxRepeats);
  const budget = createTokenBudget(limits.maxTokens);
  emit({ type: 'run_started', runId: record.id, model: model.model });

  // The app changed since its last good check: the platform checks it before the run may end.
  let unchecked = false;
  let lastCheck: AppCheckOutcome | null = null;
  let repairs = 0;
  let checks = 0;
  const finish = async (reason: DoneReason, text: string, message?: string): Promise<RunRecord> => {
    record.reason = reason;
    record.endedAt = new Date().toISOString();
    await saveConversation(input.conversationFile, conversation);
    const appCheck = lastCheck ? { appCheck: lastCheck } : {};
    emit({ type: 'done', reason, text, steps: record.steps, usage: total, ...(message ? { message } : {}), ...appCheck });
    return record;
  };
  const stopReason = (): DoneReason | null => (input.signal.aborted ? 'cancelled' : timeout.aborted ? 'time_limit' : null);
  const stopMessage = (reason: DoneReason): string =>
    reason === 'cancelled'
      ? 'The run was cancelled; every change made so far is committed and the app is consistent.'
      : `The run reached its time limit of ${Math.round(limits.timeoutMs / 1000)} s and was stopped; every change made so far is committed.`;

  for (let step = 1; step <= limits.maxSteps; step++) {
    const stopped = stopReason();
    if (stopped) return finish(stopped, '', stopMessage(stopped));
    const system = await buildSystemPrompt(tenant);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: system },
      ...recentMessages(conversation.messages, historyBudget(limits.contextTokens, system, toolsJson)),
    ];
    // The size of what is sent, as the model's tokenizer sees it: the messages and the tools.
    const requestChars = JSON.stringify(messages).length + toolsChars;
    const overBudget = budget.check(requestChars);
    if (overBudget) return finish('budget', '', overBudget);
    record.steps = step;
    emit({ type: 'step', step });
    let turn: ModelTurn;
    const modelStarted = performance.now();
    try {
      turn = await model.complete({ messages, tools, signal, onText: (delta) => emit({ type: 'text', delta }) });
    } catch (err) {
      const after = stopReason();
      if (after) return finish(after, '', stopMessage(after));
      const error = toTesseraError(err);
      emit({ type: 'error', error: error.toJSON() });
      return finish('error', '', error.message);
    }
    total.promptTokens += turn.usage.promptTokens;
    total.completionTokens += turn.usage.completionTokens;
    budget.observe(requestChars, turn.usage);
    emit({ type: 'usage', step, usage: turn.usage, total: { ...total }, modelMs: Math.round(performance.now() - modelStarted) });
    conversation.messages.push(turn.message);
    const calls = turn.message.tool_calls ?? [];
    if (calls.length === 0) {
      const text = turn.message.content ?? '';
      // A run does not end on an answer while its draft fails the check: after a change, or while the
      // last check found problems, the platform looks at the draft as a browser does.
      if (!unchecked && (lastCheck === null || lastCheck.ok)) return finish('answered', text);
      const id = `appcheck_${record.id.slice(0, 8)}_${++checks}`;
      const started = performance.now();
      emit({ type: 'tool_call', step, id, name: CHECK_TOOL, arguments: {} });
      let report: AppCheckOutcome & Record<string, unknown>;
      try {
        report = await input.checkApp();
      } catch (err) {
        const error = toTesseraError(err).toJSON();
        emit({ type: 'tool_result', step, id, name: CHECK_TOOL, ok: false, error, ms: Math.round(performance.now() - started) });
        return finish(
          'answered',
          text,
          `The app check could not run (${error.code}: ${error.message}); the changes are committed but were not checked in a browser.`,
        );
      }
      emit({ type: 'tool_result', step, id, name: CHECK_TOOL, ok: true, result: report, ms: Math.round(performance.now() - started) });
      lastCheck = { ok: report.ok, problems: report.problems, mode: report.mode };
      unchecked = false;
      if (report.ok) return finish('answered', text);
      if (repairs >= limits.maxRepairs) {
        return finish(
          'answered',
          text,
          `The app check still finds ${report.problems.length} problem(s) after ${repairs} repair(s) (AGENT_MAX_REPAIRS is ${limits.maxRepairs}); every change is committed. Send another prompt to go on fixing them.`,
        );
      }
      repairs++;
      // The problems go back as the result of a checkApp call on the model's own answer, so the
      // conversation stays one the model API accepts (every tool call has its result).
      turn.message.tool_calls = [{ id, type: 'function', function: { name: CHECK_TOOL, arguments: '{}' } }];
      conversation.messages.push({
        role: 'tool',
        tool_call_id: id,
        content: toolMessageContent({
          ok: true,
          result: report,
          instruction: `The platform checked the app in a browser after your answer and found these problems. Fix them (repair ${repairs} of at most ${limits.maxRepairs}), then answer again.`,
        }),
      });
      await saveConversation(input.conversationFile, conversation);
      continue;
    }

    let stuck: string | null = null;
    for (const call of calls) {
      if (stuck) {
        // The run ends mid-turn: the calls after the last straw are answered without running, so the
        // conversation stays valid (every tool call has its result) for the next prompt.
        conversation.messages.push({ role: 'tool', tool_call_id: call.id, content: toolMessageContent({ ok: false, skipped: stuck }) });
        continue;
      }
      const started = performance.now();
      let args: unknown = call.function.arguments;
      let content: string;
      try {
        args = parseArguments(call.function.arguments);
        emit({ type: 'tool_call', step, id: call.id, name: call.function.name, arguments: args });
        const result = await input.callTool(call.function.name, args);
        emit({ type: 'tool_result', step, id: call.id, name: call.function.name, ok: true, result, ms: Math.round(performance.now() - started) });
        content = toolMessageContent({ ok: true, result });
        repeats.record(call.function.name, null);
        if (writes(call.function.name)) unchecked = true;
        // The model checked after its last change: a clean report is the run's check, until the next change.
        else if (call.function.name === CHECK_TOOL) {
          const report = result as AppCheckOutcome;
          lastCheck = { ok: report.ok, problems: report.problems, mode: report.mode };
          if (report.ok) unchecked = false;
        }
      } catch (err) {
        const error = toTesseraError(err).toJSON();
        if (typeof args === 'string') emit({ type: 'tool_call', step, id: call.id, name: call.function.name, arguments: args });
        emit({ type: 'tool_result', step, id: call.id, name: call.function.name, ok: false, error, ms: Math.round(performance.now() - started) });
        content = toolMessageContent({ ok: false, error });
        stuck = repeats.record(call.function.name, error);
      }
      conversation.messages.push({ role: 'tool', tool_call_id: call.id, content });
    }
    if (stuck) return finish('stuck', '', stuck);
    await saveConversation(input.conversationFile, conversation);
  }
  return finish(
    'step_limit',
    '',
    `The run reached its limit of ${limits.maxSteps} steps before the model finished; every change made so far is committed. Send another prompt to continue.`,
  );
}
