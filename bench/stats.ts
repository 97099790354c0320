/**
 * Runs `fn` `runs` times after `warmup` untimed runs and returns the durations in ms. Each call
 * gets its own index (0, 1, 2, ... across warm-up and timed runs) for unique names.
 */
export async function sample(runs: number, fn: (i: number) => Promise<unknown> | unknown, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times: number[] = [];
  for (let i = warmup; i < warmup + runs; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Like `sample` for two calls taken in turns (a, b, a, b, ...): for calls whose cost drifts as they
 * run (each one a commit, say), neither side gets the cheaper early or the dearer late runs.
 */
export async function sampleInTurns(
  runs: number,
  a: (i: number) => Promise<unknown> | unknown,
  b: (i: number) => Promise<unknown> | unknown,
  warmup = 3,
): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < warmup + runs; i++) {
    for (const [side, fn] of [a, b].entries()) {
      const start = performance.now();
      await fn(2 * i + side);
      if (i >= warmup) times[side]!.push(performance.now() - start);
    }
  }
  return times;
}

export function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)).padStart(7);

/** One line: our figure beside its baseline, with the ratio. */
export function report(label: string, ours: number[], baselineLabel: string, baseline: number[]): void {
  const o50 = percentile(ours, 50);
  const b50 = percentile(baseline, 50);
  process.stdout.write(
    `${label.padEnd(34)} p50 ${fmt(o50)} ms  p99 ${fmt(percentile(ours, 99))} ms   |  ${baselineLabel.padEnd(30)} p50 ${fmt(b50)} ms  p99 ${fmt(percentile(baseline, 99))} ms   ratio ${(o50 / b50).toFixed(2)}x\n`,
  );
}
