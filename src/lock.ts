/**
 * A per-key async mutex: work for one key runs one at a time, in arrival order, while different
 * keys run concurrently. Used so one tenant's workspace, database and state change in lockstep.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves once no key has work queued, including work queued while waiting. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all(this.tails.values());
  }

  isBusy(key: string): boolean {
    return this.tails.has(key);
  }
}
