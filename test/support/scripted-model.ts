import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer of the fake model. */
export type Reply =
  | { text: string }
  | { toolCalls: Array<{ name: string; arguments: string | Record<string, unknown> }>; text?: string }
  | { status: number; body?: unknown }
  | { delayMs: number; then: Reply };

export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: Array<{
    role: string;
    content?: string | null;
    tool_call_id?: string;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  }>;
  tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
}

export type Step = Reply | ((request: ChatRequest, index: number) => Reply | Promise<Reply>);

export interface ScriptedModel {
  /** Base URL to use as OPENAI_BASE_URL, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  requests: ChatRequest[];
  close(): Promise<void>;
}

/** The content of the last tool message the model was sent, parsed. */
export function lastToolResult(request: ChatRequest): { ok: boolean; result?: any; error?: { code: string; message: string; details?: any } } {
  const tool = [...request.messages].reverse().find((m) => m.role === 'tool');
  return JSON.parse(tool?.content ?? 'null');
}

let callCounter = 0;

function chunk(id: string, delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: 'scripted', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 that answers from a script: real HTTP,
 * streaming (SSE chunks, tool-call arguments split across chunks) and non-streaming. A step past the
 * end of the script repeats `fallback` (by default a plain answer). Every request is recorded.
 */
export async function startScriptedModel(steps: Step[], options: { fallback?: Step; apiKey?: string; models?: string[] } = {}): Promise<ScriptedModel> {
  const requests: ChatRequest[] = [];
  let index = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', async () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
        return;
      }
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
        return;
      }
      const request = JSON.parse(raw) as ChatRequest;
      if (options.models && !options.models.includes(request.model)) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: `The model \`${request.model}\` does not exist`, type: 'invalid_request_error' } }));
        return;
      }
      requests.push(request);
      const step = steps[index] ?? options.fallback ?? { text: 'Done.' };
      const current = index++;
      let reply = typeof step === 'function' ? await step(request, current) : step;
      while ('delayMs' in reply) {
        await new Promise((resolve) => setTimeout(resolve, (reply as { delayMs: number }).delayMs));
        reply = reply.then;
      }
      if ('status' in reply) {
        res
          .writeHead(reply.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(reply.body ?? { error: { message: `scripted failure ${reply.status}` } }));
        return;
      }
      const id = `chatcmpl-${++callCounter}`;
      const text = 'text' in reply ? reply.text : undefined;
      const toolCalls = ('toolCalls' in reply ? reply.toolCalls : []).map((call, i) => ({
        index: i,
        id: `call_${callCounter}_${i}`,
        type: 'function',
        function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
      }));
      const usage = { prompt_tokens: Math.ceil(raw.length / 4), completion_tokens: 10 + Math.ceil((text?.length ?? 0) / 4), total_tokens: 0 };
      const finish = toolCalls.length ? 'tool_calls' : 'stop';
      if (!request.stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created: 0,
            model: request.model,
            choices: [
              {
                index: 0,
                finish_reason: finish,
                message: { role: 'assistant', content: text ?? null, ...(toolCalls.length ? { tool_calls: toolCalls.map(({ index: _i, ...c }) => c) } : {}) },
              },
            ],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(chunk(id, { role: 'assistant', content: '' }));
      for (const piece of (text ?? '').match(/.{1,12}/gs) ?? []) res.write(chunk(id, { content: piece }));
      for (const call of toolCalls) {
        const args = call.function.arguments;
        const cut = Math.floor(args.length / 2);
        res.write(
          chunk(id, {
            tool_calls: [{ index: call.index, id: call.id, type: 'function', function: { name: call.function.name, arguments: args.slice(0, cut) } }],
          }),
        );
        res.write(chunk(id, { tool_calls: [{ index: call.index, function: { arguments: args.slice(cut) } }] }));
      }
      res.write(chunk(id, {}, finish));
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: request.model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
