import { describe, expect, it } from 'vitest';
import { KeyedLock } from './lock.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedLock', () => {
  it('serializes work per key and keeps going after a failure', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const a = lock.run('t', async () => {
      await sleep(20);
      order.push('a');
    });
    const b = lock.run('t', async () => {
      order.push('b');
      throw new Error('boom');
    });
    const c = lock.run('t', async () => {
      order.push('c');
      return 3;
    });
    await a;
    await expect(b).rejects.toThrow('boom');
    expect(await c).toBe(3);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('runs different keys concurrently', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const slow = lock.run('x', async () => {
      await sleep(30);
      order.push('x');
    });
    const fast = lock.run('y', async () => {
      order.push('y');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['y', 'x']);
    expect(lock.isBusy('x')).toBe(false);
  });

  it('says when every key is idle, counting work queued while it waits', async () => {
    const lock = new KeyedLock();
    const done: string[] = [];
    void lock.run('a', async () => {
      await sleep(20);
      done.push('a');
      // Queued while idle() already waits on the first batch.
      void lock.run('b', async () => {
        await sleep(20);
        done.push('b');
      });
    });
    void lock
      .run('c', async () => {
        throw new Error('failed work counts as ended');
      })
      .catch(() => undefined);
    await lock.idle();
    expect(done).toEqual(['a', 'b']);
    expect(lock.isBusy('a') || lock.isBusy('b') || lock.isBusy('c')).toBe(false);
  });
});
