import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../log.ts';
import { AuditLog } from '../audit/index.ts';
import { openRegistry } from '../registry/index.ts';
import { AuthService, SIGN_IN_ATTEMPTS_PER_MINUTE } from './index.ts';
import { AttemptWindows, WINDOW_MS } from './throttle.ts';

describe('the sign-in throttle', () => {
  it('keeps a locked key locked however many other keys fail, and stays bounded', () => {
    let now = 1_000_000;
    const windows = new AttemptWindows(10, 1000, () => now);
    for (let i = 0; i < 10; i++) windows.fail('victim');
    expect(windows.locked('victim')).toBe(true);
    now += 1000;
    // An attacker floods fresh keys, ten times the cap.
    for (let i = 0; i < 10_000; i++) windows.fail(`flood-${i}`);
    expect(windows.locked('victim')).toBe(true);
    expect(windows.size).toBeLessThanOrEqual(1000);
    // The lock ends with its window, not before.
    now += WINDOW_MS - 1000;
    expect(windows.locked('victim')).toBe(false);
  });

  it('drops ended windows first, then the oldest unlocked ones', () => {
    let now = 0;
    const windows = new AttemptWindows(3, 10, () => now);
    for (let i = 0; i < 5; i++) windows.fail(`old-${i}`);
    now += WINDOW_MS;
    for (let i = 0; i < 3; i++) windows.fail('locked');
    for (let i = 0; i < 6; i++) windows.fail(`new-${i}`);
    // 5 ended + 1 locked + 6 live: past 10 keys the ended ones went first.
    expect(windows.size).toBe(7);
    for (let i = 0; i < 20; i++) windows.fail(`more-${i}`);
    expect(windows.locked('locked')).toBe(true);
    expect(windows.size).toBeLessThanOrEqual(10);
  });

  it('lets a map full of locks grow rather than forget one', () => {
    const windows = new AttemptWindows(2, 4, () => 0);
    for (let k = 0; k < 8; k++) for (let i = 0; i < 2; i++) windows.fail(`locked-${k}`);
    for (let k = 0; k < 8; k++) expect(windows.locked(`locked-${k}`)).toBe(true);
  });

  it('in AuthService: 20,000 failures from other addresses do not unlock a throttled one', async () => {
    const registry = await openRegistry({});
    const logger = createSilentLogger();
    const auth = new AuthService({ registry, logger, audit: new AuditLog({ registry, logger }) });
    for (let i = 0; i < SIGN_IN_ATTEMPTS_PER_MINUTE; i++) auth.failedAttempt('203.0.113.7');
    expect(() => auth.throttle('203.0.113.7')).toThrow(/Too many failed sign-in attempts/);
    for (let i = 0; i < 20_000; i++) auth.failedAttempt(`198.51.${i >> 8}.${i & 255}`);
    expect(() => auth.throttle('203.0.113.7')).toThrow(/Too many failed sign-in attempts/);
    await registry.close();
  });
});
