import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BACKENDS } from '../../test/support/registry-backends.ts';
import type { Registry } from './index.ts';

const HOUR = 3600_000;

describe.each(REGISTRY_BACKENDS)('app users on %s', (_name, open) => {
  let registry: Registry;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ registry, cleanup } = await open());
    await registry.addTenant('journal');
    await registry.addTenant('board');
  }, 60_000);
  afterAll(() => cleanup());

  it('keeps emails unique per tenant whatever their case, and apart between tenants', async () => {
    const ann = await registry.addAppUser({ id: 'u-ann', tenant: 'journal', email: 'Ann@Example.com', name: 'Ann', passwordHash: 'h1' });
    expect(ann).toMatchObject({ id: 'u-ann', email: 'ann@example.com', name: 'Ann', role: 'user', disabled: false, lastSignInAt: null });
    await expect(registry.addAppUser({ id: 'u-ann2', tenant: 'journal', email: 'ANN@example.COM', name: 'x', passwordHash: 'h' })).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
      status: 409,
    });
    // The same person in another app is another account.
    await registry.addAppUser({ id: 'u-ann-board', tenant: 'board', email: 'ann@example.com', name: 'Ann B', passwordHash: 'h2' });
    expect((await registry.findAppUserByEmail('journal', 'ANN@example.com'))?.passwordHash).toBe('h1');
    expect((await registry.findAppUserByEmail('board', 'ann@example.com'))?.user.id).toBe('u-ann-board');
    expect(await registry.getAppUser('board', 'u-ann')).toBeNull();
  });

  it('lists and searches a tenant’s users only, with LIKE characters taken literally', async () => {
    await registry.addAppUser({ id: 'u-bob', tenant: 'journal', email: 'bob@example.com', name: 'Bob 100%', passwordHash: 'h' });
    expect((await registry.listAppUsers('journal')).map((u) => u.id)).toEqual(['u-ann', 'u-bob']);
    expect((await registry.listAppUsers('journal', 'BOB')).map((u) => u.id)).toEqual(['u-bob']);
    expect((await registry.listAppUsers('journal', '100%')).map((u) => u.id)).toEqual(['u-bob']);
    expect((await registry.listAppUsers('journal', '%')).map((u) => u.id)).toEqual(['u-bob']);
    expect((await registry.listAppUsers('journal', 'ann')).map((u) => u.id)).toEqual(['u-ann']);
  });

  it('finds a session only in its tenant, live and not revoked, of an enabled user; disabling revokes', async () => {
    await registry.addAppSession({ tenant: 'journal', userId: 'u-ann', tokenHash: 's1', expiresAt: new Date(Date.now() + HOUR) });
    await registry.addAppSession({ tenant: 'journal', userId: 'u-ann', tokenHash: 's2', expiresAt: new Date(Date.now() + HOUR) });
    await registry.addAppSession({ tenant: 'journal', userId: 'u-ann', tokenHash: 'old', expiresAt: new Date(Date.now() - 1000) });
    expect((await registry.appSessionUser('journal', 's1'))?.id).toBe('u-ann');
    expect(await registry.appSessionUser('board', 's1')).toBeNull();
    expect(await registry.appSessionUser('journal', 'old')).toBeNull();
    await registry.revokeAppSession('board', 's1');
    expect((await registry.appSessionUser('journal', 's1'))?.id).toBe('u-ann');
    await registry.revokeAppSession('journal', 's1');
    expect(await registry.appSessionUser('journal', 's1')).toBeNull();
    expect((await registry.updateAppUser('journal', 'u-ann', { disabled: true }))?.disabled).toBe(true);
    await registry.updateAppUser('journal', 'u-ann', { disabled: false });
    expect(await registry.appSessionUser('journal', 's2')).toBeNull();
    expect(await registry.updateAppUser('board', 'u-bob', { role: 'admin' })).toBeNull();
    expect((await registry.updateAppUser('journal', 'u-bob', { role: 'admin' }))?.role).toBe('admin');
  });

  it('revokes all sessions of a user but one', async () => {
    await registry.addAppSession({ tenant: 'journal', userId: 'u-bob', tokenHash: 'b1', expiresAt: new Date(Date.now() + HOUR) });
    await registry.addAppSession({ tenant: 'journal', userId: 'u-bob', tokenHash: 'b2', expiresAt: new Date(Date.now() + HOUR) });
    await registry.revokeAppSessions('journal', 'u-bob', 'b2');
    expect(await registry.appSessionUser('journal', 'b1')).toBeNull();
    expect((await registry.appSessionUser('journal', 'b2'))?.id).toBe('u-bob');
  });

  it('uses a reset token once, in its tenant, before it expires', async () => {
    await registry.addAppResetToken({ tenant: 'journal', userId: 'u-bob', tokenHash: 'r1', expiresAt: new Date(Date.now() + HOUR) });
    await registry.addAppResetToken({ tenant: 'journal', userId: 'u-bob', tokenHash: 'r-old', expiresAt: new Date(Date.now() - 1000) });
    expect(await registry.takeAppResetToken('board', 'r1')).toBeNull();
    const [first, second] = await Promise.all([registry.takeAppResetToken('journal', 'r1'), registry.takeAppResetToken('journal', 'r1')]);
    expect([first, second].sort()).toEqual(['u-bob', null].sort());
    expect(await registry.takeAppResetToken('journal', 'r-old')).toBeNull();
  });

  it('keeps the sign-up policy per tenant (open by default) and the outbox newest first', async () => {
    expect(await registry.appSignupPolicy('journal')).toBe('open');
    await registry.setAppSignupPolicy('journal', 'closed');
    await registry.setAppSignupPolicy('journal', 'invite');
    expect(await registry.appSignupPolicy('journal')).toBe('invite');
    expect(await registry.appSignupPolicy('board')).toBe('open');
    await registry.addOutboxMail('journal', { to: 'a@example.com', subject: 'one', text: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await registry.addOutboxMail('journal', { to: 'b@example.com', subject: 'two', text: 'y' });
    expect((await registry.listOutbox('journal')).map((m) => m.subject)).toEqual(['two', 'one']);
    expect(await registry.listOutbox('board')).toEqual([]);
  });

  it('removes a user with their sessions, and a tenant with all its app users, sessions, tokens, policy and mail', async () => {
    expect(await registry.removeAppUser('journal', 'u-bob')).toBe(true);
    expect(await registry.appSessionUser('journal', 'b2')).toBeNull();
    expect(await registry.removeAppUser('journal', 'u-bob')).toBe(false);
    await registry.addAppSession({ tenant: 'journal', userId: 'u-ann', tokenHash: 'a9', expiresAt: new Date(Date.now() + HOUR) });
    await registry.removeTenant('journal');
    expect(await registry.listAppUsers('journal')).toEqual([]);
    expect(await registry.appSessionUser('journal', 'a9')).toBeNull();
    expect(await registry.appSignupPolicy('journal')).toBe('open');
    expect(await registry.listOutbox('journal')).toEqual([]);
    expect((await registry.listAppUsers('board')).map((u) => u.id)).toEqual(['u-ann-board']);
  });
});
