import { defineConfig } from 'vitest/config';

/**
 * The noisy-neighbour suites measure a bystander app's latency while one app attacks the platform.
 * They run on their own, one file at a time, after the rest of `npm test`: any other test file
 * running beside them would be a second neighbour, and its noise would be measured as the attack's.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/noisy-neighbour*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
