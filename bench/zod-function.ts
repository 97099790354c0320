/**
 * The runtime with a function that bundles a sizeable npm package (zod, ~700 KB as one CommonJS
 * file, as Fission would ship it): cold start (no process for the tenant; the pool's generic
 * process specializes, with the tenant's V8 code cache after the first), warm calls, against a bare
 * node:http handler doing the same validation.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import http from 'node:http';
import { build } from 'esbuild';
import { z } from 'zod';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { request } from '../test/support/http.ts';
import type { startTestServer } from '../test/support/platform.ts';
import { report, sample } from './stats.ts';

const execFileAsync = promisify(execFile);

const SOURCE = `const { z } = require('zod');
const Note = z.object({ text: z.string().min(1).max(500), tags: z.array(z.string()).max(10).default([]) });
module.exports = async (context) => {
  const parsed = Note.safeParse(context.request.body);
  return parsed.success ? { status: 200, body: parsed.data } : { status: 400, body: { error: parsed.error.issues[0].message } };
};`;

export async function benchZodFunction(server: Awaited<ReturnType<typeof startTestServer>>, runs: number): Promise<void> {
  const { platform } = server;
  const bundled = await build({
    stdin: { contents: SOURCE, resolveDir: PROJECT_ROOT, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
  });
  const code = bundled.outputFiles[0]!.text;
  const fn = { name: 'validate', code, hash: createHash('sha256').update(code).digest('hex') };
  process.stdout.write(
    `\n# Function runtime: a function bundling zod (${(code.length / 1024).toFixed(0)} KB CommonJS) vs a bare node:http handler validating with zod\n`,
  );
  const body = Buffer.from(JSON.stringify({ text: 'hello', tags: ['a'] }));
  const call = (tenant: string) =>
    platform.runtime.invoke(tenant, fn, { method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, body, database: 'live' });

  const Note = z.object({ text: z.string().min(1).max(500), tags: z.array(z.string()).max(10).default([]) });
  const bare = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        const parsed = Note.safeParse(JSON.parse(Buffer.concat(chunks).toString()));
        res
          .writeHead(parsed.success ? 200 : 400, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(parsed.success ? parsed.data : { error: parsed.error.issues[0]!.message }));
      });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const bareTimes = await sample(runs * 10, () => request(bareUrl, { method: 'POST', body: body.toString() }), 20);

  await platform.tenants.create('zod-bench');
  const first = await call('zod-bench');
  if (first.response.status !== 200) throw new Error(`the zod function answered ${first.response.status}: ${first.response.body.toString()}`);
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) {
    await platform.runtime.stopTenant('zod-bench');
    await new Promise((resolve) => setTimeout(resolve, 150)); // the pool refills, as between real arrivals
    const started = performance.now();
    await call('zod-bench');
    cold.push(performance.now() - started);
  }
  // Cold baseline: what a process that was not running pays, a fresh `node` loading the same bundle.
  const file = path.join(os.tmpdir(), `tessera-bench-zod-${process.pid}.cjs`);
  writeFileSync(file, code);
  const fresh = await sample(Math.min(runs, 10), () => execFileAsync(process.execPath, ['-e', `require(${JSON.stringify(file)})`]), 1);
  rmSync(file, { force: true });
  report('zod function: cold start', cold, 'fresh node process + same bundle', fresh);
  report('zod function: warm call', await sample(runs * 10, () => call('zod-bench'), 20), 'bare node:http + zod', bareTimes);
  await new Promise((resolve) => bare.close(resolve));
}
