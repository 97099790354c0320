/**
 * Failed sign-in attempts per key (a client address, an account) in one-minute windows. The map is
 * bounded without ever forgetting a lock early: past `maxKeys` it first drops windows that have
 * ended, then the oldest windows that are not locked. A locked key (at the limit in its current
 * window) stays until its window ends, so flooding the map with fresh keys cannot unlock an account.
 */
export const WINDOW_MS = 60_000;

interface Window {
  windowStart: number;
  count: number;
}

export class AttemptWindows {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  /** Whether `key` reached the limit within its current window. */
  locked(key: string): boolean {
    const entry = this.windows.get(key);
    return entry !== undefined && this.now() - entry.windowStart < WINDOW_MS && entry.count >= this.limit;
  }

  /** Counts one failure of `key` and returns its count in the current window. */
  fail(key: string): number {
    const now = this.now();
    const entry = this.windows.get(key);
    if (entry && now - entry.windowStart < WINDOW_MS) {
      entry.count += 1;
      return entry.count;
    }
    // A new window goes to the end of the map (insertion order = age order, oldest first).
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) this.evict(now);
    this.windows.set(key, { windowStart: now, count: 1 });
    return 1;
  }

  forget(key: string): void {
    this.windows.delete(key);
  }

  private evict(now: number): void {
    for (const [key, entry] of this.windows) if (now - entry.windowStart >= WINDOW_MS) this.windows.delete(key);
    if (this.windows.size < this.maxKeys) return;
    // Still full of live windows: drop the oldest that are not locked, down to 90% so this is not run
    // on every new key. If every live window is locked the map grows past the cap for the rest of the
    // minute (bounded by how many failures arrive in a minute) rather than forget a lock.
    const target = Math.floor(this.maxKeys * 0.9);
    for (const [key, entry] of this.windows) {
      if (this.windows.size <= target) break;
      if (entry.count < this.limit) this.windows.delete(key);
    }
  }
}
