import net from 'node:net';
import { CHANNEL_FD, encodeFrame, FrameReader, type HostMessage, type SandboxMessage } from '../protocol.ts';

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
    for (const { message } of reader.push(chunk)) onMessage(message as HostMessage);
  });
  socket.on('close', () => process.exit(0));
  socket.on('error', () => process.exit(0));
}

/** Sends one message to the platform. Throws if the message holds a value V8 cannot clone. */
export function send(message: SandboxMessage): void {
  socket?.write(encodeFrame(message));
}
