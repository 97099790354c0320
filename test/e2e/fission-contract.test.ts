import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunction } from '../../src/bundler/index.ts';
import { createLocalRuntime } from '../../src/runtime/index.ts';
import { prepareFissionEnv, startFissionFunction } from '../support/fission-env.ts';

/**
 * The same function files, bundled by Tessera, load and answer identically in Tessera's embedded
 * runtime and in Fission's own Node.js environment server (specialize, then call).
 */
const cases: Array<{ name: string; code: string; method?: string; url?: string; headers?: Record<string, string>; body?: string }> = [
  { name: 'json-object', code: 'module.exports = async (context) => ({ status: 200, body: { hello: context.request.query.name } })', url: '/?name=ada' },
  { name: 'query-array', code: 'module.exports = async (context) => ({ status: 200, body: context.request.query })', url: '/?a=1&a=2&b=x' },
  { name: 'text-html', code: "module.exports = async () => ({ status: 200, body: 'hello <b>world</b>' })" },
  {
    name: 'created-headers',
    code: "module.exports = async () => ({ status: 201, headers: { 'x-made-by': 'tessera', 'content-type': 'text/plain' }, body: 'made' })",
  },
  { name: 'buffer', code: "module.exports = async () => ({ status: 200, body: Buffer.from('raw bytes') })" },
  { name: 'empty', code: 'module.exports = async () => ({ status: 204 })' },
  { name: 'array-number', code: 'module.exports = async () => ({ status: 200, body: [1, 2, 3] })' },
  { name: 'throws', code: "module.exports = async () => { throw new Error('boom') }" },
  {
    name: 'json-body',
    code: 'module.exports = async (context) => ({ status: 200, body: { method: context.request.method, got: context.request.body } })',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"n":1,"list":["a"]}',
  },
  {
    name: 'form-body',
    code: 'module.exports = async (context) => ({ status: 200, body: context.request.body })',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=1&b=two',
  },
  {
    name: 'text-body',
    code: 'module.exports = async (context) => ({ status: 200, body: { text: context.request.body } })',
    method: 'PUT',
    headers: { 'content-type': 'text/plain' },
    body: 'plain text',
  },
  { name: 'esm-default', code: 'export default async function (context) { return { status: 200, body: { esm: true, method: context.request.method } } }' },
  { name: 'callback', code: "module.exports = function (context, callback) { callback(202, { via: 'callback' }, { 'x-cb': '1' }) }" },
];

let env: Awaited<ReturnType<typeof prepareFissionEnv>>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'fission-fns-'));
const runtime = createLocalRuntime({
  dataDir: dir,
  db: () => ({ query: async () => [], execute: async () => ({}) }),
  limits: { timeoutMs: 5000, memoryMb: 128, maxResponseBytes: 1 << 20 },
});

beforeAll(async () => {
  env = await prepareFissionEnv();
}, 180_000);
afterAll(async () => {
  await runtime.close();
  env?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** What must match: status, content type and body; Express adds ETag and X-Powered-By, which do not count. */
function comparable(status: number, headers: Record<string, string | null>, body: string) {
  return {
    status,
    contentType: headers['content-type'] ?? null,
    extra: Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('x-') && k !== 'x-powered-by')),
    body,
  };
}

describe('Fission contract', () => {
  it.each(cases)("$name answers the same in Tessera and in Fission's Node.js environment", async (c) => {
    const built = await buildFunction({ name: c.name, code: c.code });
    const file = path.join(dir, `${c.name}.js`);
    writeFileSync(file, built.code);
    const fission = await startFissionFunction(env.dir, file);
    try {
      const init = { method: c.method ?? 'GET', headers: c.headers ?? {}, body: c.body };
      const theirs = await fetch(`${fission.url}${c.url ?? '/'}`, init);
      const theirHeaders = Object.fromEntries(theirs.headers.entries());
      const expected = comparable(theirs.status, theirHeaders, await theirs.text());
      const ours = await runtime.invoke(
        'fission',
        { name: c.name, code: built.code, hash: createHash('sha256').update(built.code).digest('hex') },
        {
          method: init.method,
          url: c.url ?? '/',
          headers: c.headers ?? {},
          body: Buffer.from(c.body ?? ''),
          database: 'live',
        },
      );
      expect(comparable(ours.response.status, ours.response.headers, ours.response.body.toString('utf8'))).toEqual(expected);
    } finally {
      fission.close();
    }
  });
});
