/**
 * Failed sign-in attempts per key (a client address, an account) in one-minute windows. The map is
 * bounded without ever forgetting a lock early: a locked key (at the limit in its current window)
 * stays until its window ends, so flooding the map with fresh keys cannot unlock an account.
 */
import { FixedWindowCounters, MINUTE_MS } from '../fixed-window.ts';

export const WINDOW_MS = MINUTE_MS;

export class AttemptWindows {
  private readonly windows: FixedWindowCounters<'failures'>;

  constructor(
    private readonly limit: number,
    maxKeys = 10_000,
    now: () => number = Date.now,
  ) {
    this.windows = new FixedWindowCounters({ counters: ['failures'], windowMs: WINDOW_MS, maxKeys, now, evictable: (counts) => counts.failures < limit });
  }

  get size(): number {
    return this.windows.size;
  }

  /** Whether `key` reached the limit within its current window. */
  locked(key: string): boolean {
    return this.windows.counts(key).failures >= this.limit;
  }

  /** Counts one failure of `key` and returns its count in the current window. */
  fail(key: string): number {
    return this.windows.add(key, 'failures');
  }

  forget(key: string): void {
    this.windows.forget(key);
  }
}
