import { expect, it } from 'vitest';
import { ACTIVITIES } from '../support/crash/activities.ts';
import { runCrashSuite } from '../support/crash/run.ts';

/**
 * Crash safety (docs/architecture.md, "Crash safety"): the real server is SIGKILLed at random moments
 * of tool calls, agent runs, deploys, package installs, migrations and live writes, restarted on the
 * same DATA_DIR, and checked each time. `npm run crash` runs many more kills; CRASH_SEED replays a run.
 * Eleven server starts dominate its time (about a minute on two idle cores, minutes on a loaded machine).
 */
it('leaves git, every SQLite database, the registry and acknowledged writes whole through random SIGKILLs', async () => {
  const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
  const kills = Number(process.env.CRASH_KILLS ?? 10);
  const result = await runCrashSuite({ seed, kills, maxDelayMs: 1200 });
  expect(result.problems, `replay with CRASH_SEED=${seed}`).toEqual([]);
  expect(result.rounds).toHaveLength(kills);
  expect(new Set(result.rounds.map((round) => round.activity)).size).toBe(Math.min(kills, ACTIVITIES.length));
  expect(result.acked).toBeGreaterThan(0);
}, 600_000);
