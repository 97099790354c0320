/**
 * Counters per key in fixed windows (a minute, by default): a key's window starts with its first
 * count, and once it has ended the key's counts start again from zero. Used for the sign-in throttle
 * (auth/throttle.ts) and each app's egress budget (egress/).
 *
 * The map can be bounded (`maxKeys`) without forgetting what must be kept: past the bound it first
 * drops windows that have ended, then the oldest windows that `evictable` allows, down to 90% so this
 * is not run on every new key. When no live window may go, the map grows past the bound for the rest
 * of the window (bounded by how many keys can be counted in a window) rather than drop one.
 */
export const MINUTE_MS = 60_000;

interface Window<Counter extends string> {
  start: number;
  counts: Record<Counter, number>;
}

export interface FixedWindowOptions<Counter extends string> {
  counters: readonly Counter[];
  windowMs?: number;
  /** Keys kept at most (beyond it only when no live window is `evictable`); none: unbounded. */
  maxKeys?: number;
  /** Whether a live window may be dropped to keep the map bounded (default: yes). */
  evictable?: (counts: Readonly<Record<Counter, number>>) => boolean;
  now?: () => number;
}

export class FixedWindowCounters<Counter extends string> {
  private readonly windows = new Map<string, Window<Counter>>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: FixedWindowOptions<Counter>) {
    this.windowMs = options.windowMs ?? MINUTE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Keys with a window in the map (ended ones included until they are dropped). */
  get size(): number {
    return this.windows.size;
  }

  /** The counts of `key` in its current window: all zero when it has none or it has ended. */
  counts(key: string): Readonly<Record<Counter, number>> {
    const window = this.windows.get(key);
    return window && this.live(window, this.now()) ? window.counts : this.zero();
  }

  /** Adds `amount` to one counter of `key` and returns that counter's value in the current window. */
  add(key: string, counter: Counter, amount = 1): number {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || !this.live(window, now)) {
      // A new window goes to the end of the map (insertion order = age order, oldest first).
      this.windows.delete(key);
      if (this.options.maxKeys !== undefined && this.windows.size >= this.options.maxKeys) this.evict(now, this.options.maxKeys);
      window = { start: now, counts: this.zero() };
      this.windows.set(key, window);
    }
    window.counts[counter] += amount;
    return window.counts[counter];
  }

  forget(key: string): void {
    this.windows.delete(key);
  }

  private live(window: Window<Counter>, now: number): boolean {
    return now - window.start < this.windowMs;
  }

  private zero(): Record<Counter, number> {
    return Object.fromEntries(this.options.counters.map((counter) => [counter, 0])) as Record<Counter, number>;
  }

  private evict(now: number, maxKeys: number): void {
    for (const [key, window] of this.windows) if (!this.live(window, now)) this.windows.delete(key);
    if (this.windows.size < maxKeys) return;
    const target = Math.floor(maxKeys * 0.9);
    const evictable = this.options.evictable ?? (() => true);
    for (const [key, window] of this.windows) {
      if (this.windows.size <= target) break;
      if (evictable(window.counts)) this.windows.delete(key);
    }
  }
}
