import { z } from 'zod';
import type { SandboxMessage } from '../protocol.ts';

/*
 * What a sandbox may say, checked once at the boundary: the sandbox runs tenant code, which can
 * write anything to its channel. Binary fields are Uint8Arrays (V8's serializer carries them as such).
 */
const id = z.number().int().nonnegative();
const bytes = z.instanceof(Uint8Array);
const logLine = z.object({ time: z.string().max(40), level: z.enum(['log', 'info', 'warn', 'error', 'debug']), message: z.string().max(10_000) });
const logs = z.array(logLine).max(1000);
const location = z.object({ file: z.string(), line: z.number(), column: z.number().optional(), lineText: z.string().optional() });

const sandboxMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('result'), id, response: z.object({ status: z.number().int().min(200).max(599), headers: z.record(z.string(), z.string()), body: bytes }), logs }),
  z.object({ type: z.literal('code-cache'), hash: z.string().max(200), data: bytes.optional() }),
  z.object({ type: z.literal('loaded'), id, logs }),
  z.object({ type: z.literal('rendered'), id, html: z.string(), logs }),
  z.object({ type: z.literal('failed'), id, code: z.enum(['FUNCTION_INVALID', 'FUNCTION_FAILED', 'FUNCTION_CRASHED', 'RENDER_FAILED']), message: z.string(), logs, location: location.optional() }),
  z.object({ type: z.literal('missing-code'), id }),
  z.object({ type: z.literal('late-logs'), fn: z.string().max(200), requestId: z.string().max(64), logs }),
  z.object({ type: z.literal('db'), id, callId: id, op: z.enum(['query', 'execute']), sql: z.string(), params: z.unknown() }),
  z.object({
    type: z.literal('fetch'),
    id,
    callId: id,
    url: z.string().max(8192),
    method: z.string().regex(/^[A-Za-z]{1,16}$/),
    headers: z.array(z.tuple([z.string().max(256), z.string().max(16_384)])).max(200),
    body: bytes.optional(),
  }),
]);

/** The message, or null when it is not one a sandbox may send (the caller stops that sandbox). */
export function parseSandboxMessage(value: unknown): SandboxMessage | null {
  const parsed = sandboxMessage.safeParse(value);
  return parsed.success ? (parsed.data as SandboxMessage) : null;
}
