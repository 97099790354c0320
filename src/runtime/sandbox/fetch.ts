import type { HostMessage, SandboxMessage } from '../protocol.ts';
import { scopes } from './console.ts';

type Reply = Extract<HostMessage, { type: 'fetch-reply' }>;

/** Larger request bodies are refused before they cross (the platform checks again). */
const MAX_REQUEST_BODY = 5 * 1024 * 1024;
let nextCallId = 1;
const calls = new Map<number, { resolve(reply: Reply): void }>();

/**
 * The `fetch` tenant functions get. The sandbox has no network: each request crosses the channel to
 * the platform's egress proxy, which makes it only to hosts the app's owner allowed, never to a
 * private address, within the app's limits, and logs it. Answers are whole (not streamed).
 */
export function createFetch(send: (message: SandboxMessage) => void): typeof fetch {
  return async function tesseraFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const scope = scopes.getStore();
    if (!scope) throw new TypeError('fetch can only be used while the function handles a request');
    const request = new Request(input, init);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    if (body && body.byteLength > MAX_REQUEST_BODY)
      throw new TypeError(`fetch ${request.url}: the request body has ${body.byteLength} bytes, more than the ${MAX_REQUEST_BODY}-byte limit`);
    const callId = nextCallId++;
    const reply = await new Promise<Reply>((resolve) => {
      // Sent first: a request over the channel's limits (wire.ts) throws here and leaves nothing waiting.
      send({
        type: 'fetch',
        id: scope.id,
        callId,
        url: request.url,
        method: request.method,
        headers: [...request.headers.entries()],
        ...(body ? { body } : {}),
      });
      calls.set(callId, { resolve });
    });
    if (!reply.ok) throw new TypeError(reply.message);
    const nullBody = reply.status === 204 || reply.status === 205 || reply.status === 304 || request.method === 'HEAD';
    const response = new Response(nullBody ? null : (reply.body as Uint8Array<ArrayBuffer>), {
      status: reply.status,
      statusText: reply.statusText,
      headers: reply.headers,
    });
    Object.defineProperty(response, 'url', { value: reply.url });
    return response;
  };
}

export function settleFetch(reply: Reply): void {
  const call = calls.get(reply.callId);
  if (!call) return;
  calls.delete(reply.callId);
  call.resolve(reply);
}
