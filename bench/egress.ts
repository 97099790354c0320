/**
 * Egress figures: an outbound call through the platform's egress proxy (allowlist, DNS and address
 * checks, a pinned connection) beside a direct call from the host to the same local server; and a
 * function that makes that call from its sandbox beside the same function without it.
 */
import http from 'node:http';
import { runTool } from '../src/tools/index.ts';
import { request } from '../test/support/http.ts';
import { startTestServer } from '../test/support/platform.ts';
import { report, sample } from './stats.ts';

export async function benchEgress(runs: number): Promise<void> {
  process.stdout.write('\n# Egress: outbound HTTP through the proxy vs directly from the host (same local server)\n');
  const target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const port = (target.address() as { port: number }).port;
  const server = await startTestServer({ LOG_LEVEL: 'silent', TESSERA_EGRESS_LOOPBACK_PORTS: String(port), EGRESS_REQUESTS_PER_MINUTE: '1000000' });
  try {
    const { platform } = server;
    await platform.tenants.create('egress');
    await platform.registry.setEgressAllowlist('egress', [`127.0.0.1:${port}`]);
    const url = `http://127.0.0.1:${port}/`;
    const agent = new http.Agent({ keepAlive: false });
    const direct = () => new Promise<void>((resolve, reject) => http.get(url, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject));
    const viaProxy = () => platform.egress.request('egress', { url, method: 'GET', headers: [] }, () => undefined);
    report('egress proxy: GET', await sample(runs, viaProxy), 'direct http.get (new connection)', await sample(runs, direct));
    const call = (tool: string, args: unknown) => runTool(platform, 'egress', tool, args);
    await call('createBackendFunction', {
      name: 'out',
      code: `module.exports = async () => { const r = await fetch('${url}'); return { status: 200, body: await r.json() }; }`,
    });
    await call('createBackendFunction', { name: 'home', code: 'module.exports = async () => ({ status: 200, body: { ok: true } })' });
    const app = server.appUrl('egress');
    report(
      'function with fetch()',
      await sample(runs, () => request(`${app}api/out`)),
      'same function without it',
      await sample(runs, () => request(`${app}api/home`)),
    );
  } finally {
    await server.close();
    target.close();
  }
}
