import http from 'node:http';
import { credentialFor } from './credentials.ts';

const agent = new http.Agent({ keepAlive: true });

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

/**
 * An HTTP request to 127.0.0.1 with any Host header, e.g. `notes.localhost:PORT`. Browsers resolve
 * `*.localhost` to loopback, but Node's resolver does not, and fetch() ignores a Host header.
 */
export function request(
  url: string,
  options: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<SimpleResponse> {
  const target = new URL(url);
  const extra = new Headers(options.headers ?? {});
  const token = credentialFor(target, options.host, extra);
  const headers: Record<string, string> = Object.fromEntries(extra.entries());
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? target.host, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
