import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { TesseraError } from '../errors.ts';

export type { ChatCompletionMessageParam, ChatCompletionTool };

export interface ModelSettings {
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  /** Stream completions (default). Some servers cannot stream tool calls: turn it off for them. */
  stream?: boolean;
}

export interface ModelTurn {
  /** The assistant message, ready to append to the conversation. */
  message: { role: 'assistant'; content: string | null; tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> };
  usage: { promptTokens: number; completionTokens: number };
  finishReason: string | null;
}

export interface ModelClient {
  readonly model: string;
  readonly baseUrl: string;
  /** One streamed chat completion; `onText` receives text deltas as they arrive. */
  complete(input: {
    messages: ChatCompletionMessageParam[];
    tools: ChatCompletionTool[];
    onText?: (delta: string) => void;
    signal?: AbortSignal;
  }): Promise<ModelTurn>;
}

/** Says whether a model is configured, and if not, which variables to set. */
export function modelConfigProblem(settings: Pick<ModelSettings, 'baseUrl' | 'apiKey' | 'model'>): string | null {
  if (!settings.model)
    return 'No model is configured: set OPENAI_MODEL (and OPENAI_BASE_URL for a server other than OpenAI, OPENAI_API_KEY if it needs a key) in the environment or .env.';
  if (!settings.baseUrl && !settings.apiKey)
    return 'No model endpoint is configured: set OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama) or OPENAI_API_KEY for OpenAI.';
  return null;
}

/** Translates the SDK's errors into messages a person can act on. */
export function explainModelError(err: unknown, settings: { baseUrl: string; model: string }): TesseraError {
  if (err instanceof TesseraError) return err;
  const where = settings.baseUrl;
  if (err instanceof OpenAI.APIUserAbortError) return new TesseraError('AGENT_CANCELLED', 'The run was cancelled.');
  if (err instanceof OpenAI.APIConnectionTimeoutError)
    return new TesseraError('MODEL_UNAVAILABLE', `The model endpoint ${where} did not answer in time.`, { cause: err });
  if (err instanceof OpenAI.APIConnectionError)
    return new TesseraError(
      'MODEL_UNAVAILABLE',
      `Cannot reach the model endpoint ${where}: ${(err.cause as Error | undefined)?.message ?? err.message}. Check OPENAI_BASE_URL.`,
      { cause: err },
    );
  if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError)
    return new TesseraError('MODEL_REFUSED', `The model endpoint ${where} refused the API key (${err.status}). Check OPENAI_API_KEY.`, { cause: err });
  if (err instanceof OpenAI.NotFoundError)
    return new TesseraError('MODEL_REFUSED', `The model endpoint ${where} does not know the model "${settings.model}" (404). Check OPENAI_MODEL.`, {
      cause: err,
    });
  if (err instanceof OpenAI.RateLimitError)
    return new TesseraError('MODEL_UNAVAILABLE', `The model endpoint ${where} kept rate-limiting (429) after several retries; try again later.`, {
      cause: err,
    });
  if (err instanceof OpenAI.APIError)
    return new TesseraError('MODEL_UNAVAILABLE', `The model endpoint ${where} answered ${err.status ?? 'an error'}: ${err.message}`, { cause: err });
  return new TesseraError('MODEL_UNAVAILABLE', `The model call failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * A client for any OpenAI-compatible chat-completions endpoint, on the official `openai` SDK: it
 * brings streaming, timeouts, and retries with exponential backoff on 408/409/429/5xx and
 * connection errors.
 */
export function createModelClient(settings: ModelSettings): ModelClient {
  const problem = modelConfigProblem(settings);
  if (problem) throw new TesseraError('MODEL_NOT_CONFIGURED', problem);
  const baseUrl = settings.baseUrl ?? 'https://api.openai.com/v1';
  const model = settings.model!;
  // Local servers (Ollama, vLLM, LM Studio) take any key; the SDK insists on one.
  const client = new OpenAI({ baseURL: baseUrl, apiKey: settings.apiKey ?? 'not-needed', timeout: settings.timeoutMs, maxRetries: settings.maxRetries });
  return {
    model,
    baseUrl,
    async complete({ messages, tools, onText, signal }) {
      try {
        let completion: OpenAI.Chat.Completions.ChatCompletion;
        if (settings.stream === false) {
          completion = await client.chat.completions.create({ model, messages, tools, tool_choice: 'auto' }, { signal });
          const text = completion.choices[0]?.message?.content;
          if (onText && text) onText(text);
        } else {
          const stream = client.chat.completions.stream({ model, messages, tools, tool_choice: 'auto', stream_options: { include_usage: true } }, { signal });
          if (onText) stream.on('content', (delta) => onText(delta));
          completion = await stream.finalChatCompletion();
        }
        const choice = completion.choices[0];
        const message = choice?.message;
        const toolCalls = (message?.tool_calls ?? []).filter((call) => call.type === 'function');
        return {
          message: {
            role: 'assistant',
            content: message?.content ?? null,
            ...(toolCalls.length
              ? {
                  tool_calls: toolCalls.map((call) => ({
                    id: call.id,
                    type: 'function' as const,
                    function: { name: call.function.name, arguments: call.function.arguments },
                  })),
                }
              : {}),
          },
          usage: { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 },
          finishReason: choice?.finish_reason ?? null,
        };
      } catch (err) {
        throw explainModelError(err, { baseUrl, model });
      }
    },
  };
}
