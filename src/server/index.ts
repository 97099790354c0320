import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { AgentService } from '../agent/index.ts';
import type { Platform } from '../platform.ts';
import { createApp } from './app.ts';

export { createApp, tenantFromHost } from './app.ts';

export interface RunningServer {
  /** `http://localhost:PORT` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Binds the app to `config.port` (0 picks a free port) and resolves once it listens. */
export function startServer(platform: Platform, options: { agent?: AgentService } = {}): Promise<RunningServer> {
  const app = createApp(platform, options);
  return new Promise((resolve, reject) => {
    let server: ServerType;
    const onError = (err: Error): void => reject(err);
    server = serve({ fetch: app.fetch, port: platform.config.port, hostname: platform.config.host }, (info: AddressInfo) => {
      server.off('error', onError);
      resolve({
        url: `http://localhost:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive sockets would hold close() open.
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', onError);
  });
}
