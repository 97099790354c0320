import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SandboxPool } from './host/pool.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SandboxPool', () => {
  it('keeps sandboxes started ahead, hands them out ready, refills, and kills them on close', async () => {
    const pool = new SandboxPool(2, { scratchDir: dir, memoryMb: 64, maxFrameBytes: 1 << 20 });
    const waiting = pool as unknown as { ready: unknown[] };
    await until(() => waiting.ready.length === 2);
    const taken = pool.take()!;
    expect(taken.alive).toBe(true);
    await until(() => waiting.ready.length === 2);
    pool.close();
    expect(waiting.ready).toHaveLength(0);
    taken.kill('test over');
  });
});
