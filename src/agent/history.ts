import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChatCompletionMessageParam } from './model-client.ts';
import type { DoneReason, Usage } from './events.ts';

export interface RunRecord {
  id: string;
  prompt: string;
  model: string;
  startedAt: string;
  endedAt?: string;
  reason?: DoneReason;
  steps: number;
  usage: Usage;
}

/** A tenant's conversation with the agent: every message and a record of each run. */
export interface Conversation {
  messages: ChatCompletionMessageParam[];
  runs: RunRecord[];
}

/**
 * Kept in `DATA_DIR/tenants/<id>/agent/conversation.json` (outside the app's repository: it is the
 * builder's history, not the app), written after every step by write-then-rename so a crash keeps
 * what was done.
 */
export function conversationFile(dataDir: string, tenantId: string): string {
  return path.join(dataDir, 'tenants', tenantId, 'agent', 'conversation.json');
}

export async function loadConversation(file: string): Promise<Conversation> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Conversation;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { messages: [], runs: [] };
    throw err;
  }
}

export async function saveConversation(file: string, conversation: Conversation): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(conversation));
  await rename(temp, file);
}
