/**
 * A platform process started by a launcher that left a descriptor open (see inherited-fds.test.ts):
 * runs one tenant function given in TESSERA_PROBE_CODE and prints its answer's body on stdout.
 */
import { createHash } from 'node:crypto';
import { createLocalRuntime } from '../../src/runtime/index.ts';

const code = process.env.TESSERA_PROBE_CODE ?? '';
const runtime = createLocalRuntime({
  dataDir: process.env.TESSERA_PROBE_DIR ?? '/tmp',
  db: () => ({ query: async () => [], execute: async () => ({}) }),
  limits: { timeoutMs: 5000, memoryMb: 96, maxResponseBytes: 1 << 20 },
  isolation: process.env.TESSERA_PROBE_ISOLATION === 'process' ? 'process' : 'auto',
});
const result = await runtime.invoke(
  'probe',
  { name: 'probe', code, hash: createHash('sha256').update(code).digest('hex') },
  { method: 'GET', url: '/', headers: {}, body: Buffer.alloc(0), database: 'live' },
);
process.stdout.write(result.response.body.toString('utf8'));
await runtime.close();
