/**
 * `@tessera/email` inside the sandbox: `await send({ to, subject, text, html })` → `{ id }`. The
 * sandbox has no network: the mail crosses the channel to the platform, which checks it, keeps it in
 * the app's outbox and sends it by the app's SMTP server when its owner set one up (src/email).
 */
import type { HostMessage, SandboxMessage } from '../protocol.ts';
import { WIRE_LIMITS } from '../wire.ts';
import { scopes } from './console.ts';

type Reply = Extract<HostMessage, { type: 'email-reply' }>;

let nextCallId = 1;
const calls = new Map<number, (reply: Reply) => void>();

export function createEmailModule(send: (message: SandboxMessage) => void): Readonly<Record<string, unknown>> {
  const sendMail = async (mail: unknown): Promise<{ id: string }> => {
    const scope = scopes.getStore();
    if (!scope) throw new TypeError('@tessera/email send() can only be used while the function handles a request');
    let json: string | undefined;
    try {
      json = JSON.stringify(mail);
    } catch (err) {
      throw new TypeError(`@tessera/email send(): the mail cannot be sent as JSON (${(err as Error).message})`);
    }
    if (json === undefined) throw new TypeError('@tessera/email send(): pass the mail, e.g. send({ to: "ada@example.com", subject: "Hi", text: "Hello" })');
    if (Buffer.byteLength(json) > WIRE_LIMITS.emailBytes) throw new TypeError(`@tessera/email send(): the mail is larger than ${WIRE_LIMITS.emailBytes} bytes`);
    const callId = nextCallId++;
    const reply = await new Promise<Reply>((resolve) => {
      send({ type: 'email', id: scope.id, callId, mail: json });
      calls.set(callId, resolve);
    });
    if (!reply.ok) throw Object.assign(new Error(reply.message), { code: reply.code });
    return { id: reply.mailId };
  };
  const mod: Record<string, unknown> = { send: sendMail };
  mod.default = mod;
  mod.__esModule = true;
  return Object.freeze(mod);
}

export function settleEmail(reply: Reply): void {
  const resolve = calls.get(reply.callId);
  if (!resolve) return;
  calls.delete(reply.callId);
  resolve(reply);
}
