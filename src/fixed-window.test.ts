import { describe, expect, it } from 'vitest';
import { FixedWindowCounters } from './fixed-window.ts';

describe('fixed-window counters', () => {
  it('count per key and counter, and start again from zero when the window ends', () => {
    let now = 0;
    const usage = new FixedWindowCounters({ counters: ['requests', 'bytes'] as const, windowMs: 1000, now: () => now });
    usage.add('a', 'requests');
    expect(usage.add('a', 'bytes', 500)).toBe(500);
    expect(usage.add('a', 'bytes', 20)).toBe(520);
    expect(usage.counts('a')).toEqual({ requests: 1, bytes: 520 });
    expect(usage.counts('b')).toEqual({ requests: 0, bytes: 0 });
    now = 999;
    expect(usage.counts('a').requests).toBe(1);
    now = 1000;
    expect(usage.counts('a')).toEqual({ requests: 0, bytes: 0 });
    expect(usage.add('a', 'requests')).toBe(1);
  });
});
