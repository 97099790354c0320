import { describe, expect, it } from 'vitest';
import { APP_LOG_BYTES, FunctionLogStore } from './function-logs.ts';

const line = (fn: string, message: string) => ({
  time: new Date().toISOString(),
  requestId: 'r1',
  function: fn,
  source: 'console' as const,
  level: 'log' as const,
  message,
});

describe('FunctionLogStore memory', () => {
  it("holds at most an app's budget, however many functions log, dropping the oldest first", () => {
    const store = new FunctionLogStore();
    // Issue 25: 40 functions' full rings of long lines took +490 MB.
    for (let i = 0; i < 500; i++) for (let f = 0; f < 40; f++) store.add('noisy', line(`fn-${f}`, `${i} ${'x'.repeat(4096)}`));
    expect(store.heldBytes('noisy')).toBeLessThanOrEqual(APP_LOG_BYTES);
    const kept = store.query('noisy', { function: 'fn-7', limit: 10_000 });
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.at(-1)!.message.startsWith('499 ')).toBe(true);
    expect(kept[0]!.message.startsWith('0 ')).toBe(false);
  });

  it("drops the chatty function's lines before a quiet one's", () => {
    const store = new FunctionLogStore({ appBytes: 200_000, platformBytes: 10_000_000 });
    store.add('app', line('quiet', 'quiet one'));
    for (let i = 0; i < 400; i++) store.add('app', line('noisy', 'y'.repeat(1000)));
    expect(store.heldBytes('app')).toBeLessThanOrEqual(200_000);
    expect(store.query('app', { function: 'quiet' }).map((r) => r.message)).toEqual(['quiet one']);
  });

  it("holds at most the platform's budget across apps, taking from the app holding the most", () => {
    const store = new FunctionLogStore({ appBytes: 1_000_000, platformBytes: 1_500_000 });
    store.add('small', line('f', 'small app line'));
    for (let a = 0; a < 5; a++) for (let i = 0; i < 300; i++) store.add(`big-${a}`, line('f', 'z'.repeat(2000)));
    expect(store.heldBytes()).toBeLessThanOrEqual(1_500_000);
    expect(store.query('small').map((r) => r.message)).toEqual(['small app line']);
    store.forget('big-0');
    expect(store.heldBytes()).toBe(['small', 'big-1', 'big-2', 'big-3', 'big-4'].reduce((sum, app) => sum + store.heldBytes(app), 0));
  });
});
