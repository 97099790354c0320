import { asc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { agentMessages, agentSessions } from './schema.ts';

export interface AgentRunRecord {
  id: string;
  prompt: string;
  model: string;
  reason: string | null;
  steps: number;
  promptTokens: number;
  completionTokens: number;
  startedAt: string;
  endedAt: string | null;
}

/** Agent runs (token usage, outcome) and the conversation messages they added. */
export interface AgentRunStore {
  /** Records one agent run (its token usage and outcome) and the messages it added to the conversation. */
  recordAgentRun(tenant: string, run: AgentRunRecord, messages: unknown[]): Promise<void>;
  listAgentRuns(tenant: string): Promise<AgentRunRecord[]>;
}

export function agentRunStore(db: Db): AgentRunStore {
  return {
    async recordAgentRun(tenant, run, messages) {
      await db.transaction(async (tx) => {
        const values = {
          tenant,
          prompt: run.prompt,
          model: run.model,
          reason: run.reason,
          steps: run.steps,
          promptTokens: run.promptTokens,
          completionTokens: run.completionTokens,
          startedAt: new Date(run.startedAt),
          endedAt: run.endedAt ? new Date(run.endedAt) : null,
        };
        await tx
          .insert(agentSessions)
          .values({ id: run.id, ...values })
          .onConflictDoUpdate({ target: agentSessions.id, set: values });
        if (messages.length) await tx.insert(agentMessages).values(messages.map((message) => ({ tenant, sessionId: run.id, message })));
      });
    },
    async listAgentRuns(tenant) {
      const rows = await db.select().from(agentSessions).where(eq(agentSessions.tenant, tenant)).orderBy(asc(agentSessions.startedAt));
      return rows.map((r) => ({
        id: r.id,
        prompt: r.prompt,
        model: r.model,
        reason: r.reason,
        steps: r.steps,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        startedAt: new Date(r.startedAt).toISOString(),
        endedAt: r.endedAt ? new Date(r.endedAt).toISOString() : null,
      }));
    },
  };
}
