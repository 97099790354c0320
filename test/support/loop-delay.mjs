// Preloaded into a platform process started by bystander.ts: every 200 ms, appends the longest time
// its event loop was blocked in that span (ms) to $TESSERA_TEST_LOOP_FILE, as "<epoch ms> <max ms>".
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.TESSERA_TEST_LOOP_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  setInterval(() => {
    appendFileSync(file, `${Date.now()} ${(histogram.max / 1e6).toFixed(1)}\n`);
    histogram.reset();
  }, 200).unref();
}
