import { TesseraError } from '../errors.ts';
import { enforceProjectPolicy, TOOL_CALL, type Principal } from '../auth/index.ts';
import type { Logger } from '../log.ts';
import type { Platform } from '../platform.ts';
import { runTool } from '../tools/index.ts';
import type { AgentEvent, AppCheckOutcome } from './events.ts';
import { conversationFile, loadConversation, type Conversation, type RunRecord } from './history.ts';
import { runAgent, type AgentLimits } from './loop.ts';
import { createModelClient, modelConfigProblem, type ModelClient, type ModelSettings } from './model-client.ts';

export type { AgentEvent, AppCheckOutcome, DoneReason, Usage } from './events.ts';
export type { Conversation, RunRecord } from './history.ts';
export { createModelClient, modelConfigProblem, type ModelClient, type ModelSettings } from './model-client.ts';
export { modelTools } from './loop.ts';
export { buildSystemPrompt } from './system-prompt.ts';

export interface AgentService {
  /** Null when a model is configured; otherwise what to set. */
  configProblem(): string | null;
  /**
   * Starts a run for a tenant and resolves when it ends. Throws before starting when no model is
   * configured (MODEL_NOT_CONFIGURED) or another run holds the tenant (TENANT_BUSY).
   */
  run(tenantId: string, prompt: string, emit: (event: AgentEvent) => void, options: AgentRunOptions): Promise<RunRecord>;
  /** Cancels the tenant's run; it stops between steps. Returns whether a run was going. */
  cancel(tenantId: string): boolean;
  isRunning(tenantId: string): boolean;
  conversation(tenantId: string): Promise<Conversation>;
}

export interface AgentRunOptions {
  /** Whom the agent acts for: every tool call is checked against and audited as this user. */
  principal: Principal;
  /** The request's logger (bound to its id); the platform's otherwise. */
  logger?: Logger;
}

/**
 * The agent acts with its user's role, on its own tenant only: every tool call goes through the tool
 * route's own policy (TOOL_CALL: re-checks that the user may still edit this project, so a role taken
 * away mid-run stops the next change, and audits the call in the user's name, via "agent").
 */
function callToolAs(platform: Platform, principal: Principal, tenantId: string, name: string, args: unknown, logger: Logger): Promise<unknown> {
  const policy = { role: TOOL_CALL.role, doing: TOOL_CALL.doing(name), action: TOOL_CALL.action(name), target: name };
  return enforceProjectPolicy(platform, policy, { ...principal, via: 'agent' }, tenantId, () => runTool(platform, tenantId, name, args, logger));
}

export function createAgentService(platform: Platform, options: { model?: ModelClient; limits?: Partial<AgentLimits> } = {}): AgentService {
  const { config } = platform;
  const settings: ModelSettings = { ...config.openai, timeoutMs: config.agent.modelTimeoutMs, maxRetries: config.agent.modelMaxRetries };
  const given = options.limits ?? {};
  const limits: AgentLimits = {
    maxSteps: given.maxSteps ?? config.agent.maxSteps,
    timeoutMs: given.timeoutMs ?? config.agent.timeoutMs,
    maxRepeats: given.maxRepeats ?? config.agent.maxRepeats,
    // null is a choice (no bound), so only a missing value falls back to the configuration.
    maxTokens: given.maxTokens === undefined ? config.agent.maxTokens : given.maxTokens,
    maxRepairs: given.maxRepairs ?? config.agent.maxRepairs,
    contextTokens: given.contextTokens ?? config.agent.contextTokens,
  };
  const running = new Map<string, AbortController>();
  let model = options.model;
  // The tenant moved to another replica (or this one is stopping): its run here ends between steps.
  platform.placement.onLost((tenantId) => void running.get(tenantId)?.abort());

  return {
    configProblem: () => (options.model ? null : modelConfigProblem(settings)),
    async run(tenantId, prompt, emit, runOptions) {
      const { principal } = runOptions;
      const logger = (runOptions.logger ?? platform.logger).child({ tenant: tenantId, agent: true });
      const tenant = await platform.tenants.get(tenantId);
      model ??= createModelClient(settings);
      if (running.has(tenantId))
        throw new TesseraError(
          'TENANT_BUSY',
          `An agent run is already building "${tenantId}"; wait for it to finish or cancel it (POST /api/tenants/${tenantId}/agent/cancel).`,
        );
      const controller = new AbortController();
      running.set(tenantId, controller);
      let failure: unknown = null;
      try {
        const file = conversationFile(config.dataDir, tenantId);
        const conversation = await loadConversation(file);
        const before = conversation.messages.length;
        const record = await runAgent({
          tenant,
          prompt,
          model,
          conversation,
          conversationFile: file,
          limits,
          signal: controller.signal,
          // The model's failure, for the log line of a failed run.
          emit: (event) => {
            if (event.type === 'error') failure = event.error;
            emit(event);
          },
          callTool: (name, args) => callToolAs(platform, principal, tenantId, name, args, logger),
          // The platform's own check (not the user's call): under the tenant's lock, like any tool.
          checkApp: async () => (await runTool(platform, tenantId, 'checkApp', {}, logger)) as AppCheckOutcome & Record<string, unknown>,
        });
        const summary = {
          run: record.id,
          reason: record.reason,
          steps: record.steps,
          promptTokens: record.usage.promptTokens,
          completionTokens: record.usage.completionTokens,
        };
        if (record.reason === 'error') logger.error({ ...summary, error: failure }, 'agent run failed');
        else logger.info(summary, 'agent run finished');
        await platform.audit.record({
          actor: principal.user.id,
          via: 'agent',
          tenant: tenantId,
          action: 'agent.finished',
          target: record.id,
          outcome: record.reason === 'error' ? 'error' : 'ok',
          detail: { reason: record.reason, steps: record.steps, promptTokens: record.usage.promptTokens, completionTokens: record.usage.completionTokens },
        });
        // The conversation file is the working copy, saved every step; the registry keeps each run.
        await platform.registry
          .recordAgentRun(
            tenantId,
            {
              id: record.id,
              prompt: record.prompt,
              model: record.model,
              reason: record.reason ?? null,
              steps: record.steps,
              promptTokens: record.usage.promptTokens,
              completionTokens: record.usage.completionTokens,
              startedAt: record.startedAt,
              endedAt: record.endedAt ?? null,
            },
            conversation.messages.slice(before),
          )
          .catch((err: unknown) => logger.error({ err }, 'could not record the agent run in the registry'));
        return record;
      } catch (err) {
        logger.error({ err }, 'agent run failed');
        throw err;
      } finally {
        running.delete(tenantId);
      }
    },
    cancel(tenantId) {
      const controller = running.get(tenantId);
      controller?.abort();
      return Boolean(controller);
    },
    isRunning: (tenantId) => running.has(tenantId),
    async conversation(tenantId) {
      await platform.tenants.get(tenantId);
      return loadConversation(conversationFile(config.dataDir, tenantId));
    },
  };
}
