/**
 * What an agent run reports as it goes: the server sends each as a server-sent event named by its
 * `type` (POST /api/tenants/:id/agent); the builder's chat and `tessera agent` show them.
 */
import type { WireError } from './errors.ts';

/**
 * Why a run ended: the model answered; it hit `AGENT_MAX_STEPS` or `AGENT_TIMEOUT_MS`; it was
 * cancelled; the model call failed; the same tool call failed `AGENT_MAX_REPEATS` times in a row
 * (`stuck`); or the next model call would have passed `AGENT_MAX_TOKENS` (`budget`).
 */
export type DoneReason = 'answered' | 'step_limit' | 'time_limit' | 'cancelled' | 'error' | 'stuck' | 'budget';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** One thing wrong with the draft as a browser sees it (the app check; src/appcheck). */
export interface AppProblem {
  route: string;
  kind: 'exception' | 'console' | 'function' | 'boundary' | 'blank' | 'timeout';
  component?: string;
  function?: string;
  message: string;
}

/** The app check at the end of a run that changed the app: `mode` says whether a browser did it or only the server render. */
export interface AppCheckOutcome {
  ok: boolean;
  problems: AppProblem[];
  mode: 'chromium' | 'server-render';
}

/** What an agent run reports as it goes (sent as server-sent events; `type` is the event name). */
export type AgentEvent =
  | { type: 'run_started'; runId: string; model: string }
  | { type: 'step'; step: number }
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; step: number; id: string; name: string; arguments: unknown }
  | { type: 'tool_result'; step: number; id: string; name: string; ok: true; result: unknown; ms: number }
  | { type: 'tool_result'; step: number; id: string; name: string; ok: false; error: WireError; ms: number }
  | { type: 'usage'; step: number; usage: Usage; total: Usage /** Wall time of this step's model call. */; modelMs: number }
  | { type: 'error'; error: WireError }
  | { type: 'done'; reason: DoneReason; text: string; steps: number; usage: Usage; message?: string; appCheck?: AppCheckOutcome };

/** The event of one `type`. */
export type AgentEventOf<T extends AgentEvent['type']> = Extract<AgentEvent, { type: T }>;

/** Whether a `checkApp` tool result (the model's call or the platform's check) is an app check's report. */
export function isAppCheckOutcome(value: unknown): value is AppCheckOutcome {
  return typeof value === 'object' && value !== null && 'ok' in value && Array.isArray((value as { problems?: unknown }).problems) && 'mode' in value;
}

/** What an app check found, for a person: one line, then one per problem (the builder's chat and `tessera agent`). */
export function describeAppCheck(check: AppCheckOutcome): string[] {
  const how = check.mode === 'chromium' ? 'in Chromium' : 'by the server render only (no Chromium on the server)';
  if (check.ok) return [`App check ${how}: no problems.`];
  return [
    `App check ${how}: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}.`,
    ...check.problems.map((p) => {
      const where = p.component ? ` ${p.component}` : p.function ? ` /api/${p.function}` : '';
      return `${p.route}${where} (${p.kind}): ${p.message}`;
    }),
  ];
}
