import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppMailer } from '../email/index.ts';
import { openRegistry, type Registry } from '../registry/index.ts';
import { APP_SIGN_IN_ATTEMPTS_PER_MINUTE, AppUsers } from './service.ts';

/** The parts of app sign-in that one client address cannot show over HTTP: the per-account throttle, keys per app. */
let registry: Registry;
let users: AppUsers;

beforeAll(async () => {
  registry = await openRegistry({});
  // No secrets, so mail stays in the outbox and the SMTP check is never reached.
  const mailer = new AppMailer({
    outbox: registry,
    secrets: async () => ({}),
    destinations: { checkDestination: () => Promise.reject(new Error('no SMTP in this test')) },
    ratePerHour: 100,
    timeoutMs: 1000,
  });
  users = new AppUsers(registry, mailer);
});
afterAll(() => registry.close());

describe('app sign-in throttle', () => {
  it('locks an account after 10 wrong passwords from any mix of addresses, in that app only', async () => {
    await users.signUp('journal', { email: 'ann@example.com', password: 'ann-password' }, '10.0.0.1');
    await users.signUp('board', { email: 'ann@example.com', password: 'ann-board-password' }, '10.0.0.1');
    for (let i = 0; i < APP_SIGN_IN_ATTEMPTS_PER_MINUTE; i++) {
      await expect(users.signIn('journal', { email: 'ann@example.com', password: `guess-${i}` }, `10.1.0.${i}`)).rejects.toMatchObject({
        code: 'INVALID_CREDENTIALS',
      });
    }
    await expect(users.signIn('journal', { email: 'ANN@example.com', password: 'ann-password' }, '10.2.0.1')).rejects.toMatchObject({
      code: 'TOO_MANY_ATTEMPTS',
      status: 429,
    });
    // The same email in another app is another account.
    expect((await users.signIn('board', { email: 'ann@example.com', password: 'ann-board-password' }, '10.2.0.1')).user.email).toBe('ann@example.com');
  });

  it('locks an address after 10 failures across accounts, in that app only', async () => {
    for (let i = 0; i < APP_SIGN_IN_ATTEMPTS_PER_MINUTE; i++) {
      await expect(users.signIn('board', { email: `nobody-${i}@example.com`, password: 'whatever-1' }, '10.9.9.9')).rejects.toMatchObject({
        code: 'INVALID_CREDENTIALS',
      });
    }
    await expect(users.signIn('board', { email: 'ann@example.com', password: 'ann-board-password' }, '10.9.9.9')).rejects.toMatchObject({
      code: 'TOO_MANY_ATTEMPTS',
    });
    await expect(users.signUp('board', { email: 'new@example.com', password: 'new-password' }, '10.9.9.9')).rejects.toMatchObject({
      code: 'TOO_MANY_ATTEMPTS',
    });
    await expect(users.signIn('journal', { email: 'nobody@example.com', password: 'whatever-1' }, '10.9.9.9')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
  });

  it('stores only hashes: the session and the password are nowhere in the registry rows', async () => {
    const signedIn = await users.signUp('vault', { email: 'val@example.com', password: 'val-secret-password' }, '10.3.0.1');
    const found = await registry.findAppUserByEmail('vault', 'val@example.com');
    expect(found?.passwordHash).toMatch(/^scrypt\$/);
    expect(found?.passwordHash).not.toContain('val-secret-password');
    expect(await registry.appSessionUser('vault', signedIn.session)).toBeNull();
    expect((await users.userOfSession('vault', signedIn.session))?.email).toBe('val@example.com');
  });
});
