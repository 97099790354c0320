import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'wire/**/*.test.ts', 'web/**/*.test.ts', 'test/**/*.test.ts'],
    // Run alone afterwards (vitest.noisy.config.ts): they measure latency, which other files would disturb.
    exclude: ['**/node_modules/**', 'test/e2e/noisy-neighbour*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser and process-heavy suites share two cores: keep file parallelism modest.
    maxWorkers: 2,
  },
});
