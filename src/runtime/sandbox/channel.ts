import net from 'node:net';
import { CHANNEL_FD, decodeHostFrame, FrameReader, type HostMessage, type SandboxMessage } from '../protocol.ts';
import { encodeSandboxMessage } from '../wire.ts';

let socket: net.Socket | null = null;

/**
 * Opens the pipe to the platform (fd 3). An open file descriptor is not a path, so Node's permission
 * model (which only allows reading this sandbox's own file) does not stand in the way. When the
 * platform goes away the pipe closes and the sandbox exits.
 */
export function openChannel(onMessage: (message: HostMessage) => void): void {
  socket = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
  // The platform is trusted; the limit only guards against a corrupted stream.
  const reader = new FrameReader(1024 * 1024 * 1024);
  socket.on('data', (chunk: Buffer) => {
    for (const payload of reader.push(chunk)) onMessage(decodeHostFrame(payload));
  });
  socket.on('close', () => process.exit(0));
  socket.on('error', () => process.exit(0));
}

/** Sends one message to the platform. Throws WireError if the message breaks a limit of wire.ts or holds a value it cannot carry. */
export function send(message: SandboxMessage): void {
  const frame = encodeSandboxMessage(message);
  socket?.write(frame);
}
