/**
 * `npm run crash`: the crash suite with many more kills than `npm test` runs (default 100).
 * CRASH_KILLS sets how many, CRASH_SEED replays a run (every run prints its seed).
 */
import { runCrashSuite } from '../test/support/crash/run.ts';

const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
const kills = Number(process.env.CRASH_KILLS ?? 100);
const result = await runCrashSuite({ seed, kills });
process.exitCode = result.problems.length ? 1 : 0;
