import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { createApp } from './app.ts';
import { PreviewGrants } from './preview-grants.ts';

describe('preview grant tokens', () => {
  const key = randomBytes(32);
  const grants = new PreviewGrants(key);
  const now = 1_800_000_000;

  it('accepts a link or grant of its app until it expires, and nothing changed', () => {
    expect(grants.checkLink(grants.link('notes', now + 10, now + 100), 'notes', now)).toEqual({ grantUntil: now + 100 });
    expect(grants.checkLink(grants.link('notes', now + 10, now + 100), 'notes', now + 10)).toEqual({ refused: 'expired' });
    expect(grants.checkLink(grants.link('notes', now + 10, now + 5), 'notes', now + 6)).toEqual({ refused: 'expired' });
    expect(grants.checkLink(grants.link('notes', now + 10, now + 100), 'shop', now)).toEqual({ refused: 'invalid' });
    expect(grants.checkGrant(grants.grant('notes', now + 1), 'notes', now)).toBe(true);
    expect(grants.checkGrant(grants.grant('notes', now + 1), 'notes', now + 1)).toBe(false);
    expect(grants.checkGrant(grants.grant('notes', now + 1), 'shop', now)).toBe(false);
    // A grant is no link, and a link no grant.
    expect(grants.checkLink(grants.grant('notes', now + 100), 'notes', now)).toEqual({ refused: 'invalid' });
    expect(grants.checkGrant(grants.link('notes', now + 100, now + 100), 'notes', now)).toBe(false);
  });

  it('refuses a token signed with another key, or with any byte changed', () => {
    const token = grants.grant('notes', now + 100);
    expect(new PreviewGrants(randomBytes(32)).checkGrant(token, 'notes', now)).toBe(false);
    for (let i = 0; i < token.length; i++) {
      const changed = `${token.slice(0, i)}${token[i] === 'x' ? 'y' : 'x'}${token.slice(i + 1)}`;
      expect(grants.checkGrant(changed, 'notes', now), changed).toBe(false);
    }
    for (const junk of ['', '.', 'G.notes', 'G.notes.99999999999.', `${token}.`, 'x'.repeat(10_000)]) expect(grants.checkGrant(junk, 'notes', now)).toBe(false);
  });

  it('is the same key on every replica that shares the sealing key', () => {
    expect(new PreviewGrants(Buffer.from(key)).checkGrant(grants.grant('notes', now + 100), 'notes', now)).toBe(true);
  });
});

describe('the grant cookie', () => {
  let test: TestPlatform;
  let plainDomain: TestPlatform;
  beforeAll(async () => {
    test = await createTestPlatform();
    plainDomain = await createTestPlatform({ APP_DOMAIN: 'tessera.test' });
    for (const platform of [test, plainDomain]) await platform.platform.tenants.create('notes');
  });
  afterAll(async () => {
    await test?.close();
    await plainDomain?.close();
  });

  async function follow(platform: TestPlatform, host: string, headers: Record<string, string> = {}): Promise<string> {
    const grants = PreviewGrants.of(platform.platform);
    const now = Math.floor(Date.now() / 1000);
    const res = await createApp(platform.platform).request(`/?tessera_preview=${grants.link('notes', now + 60, now + 600)}`, { headers: { host, ...headers } });
    expect(res.status).toBe(302);
    return res.headers.get('set-cookie') ?? '';
  }

  it('is SameSite=None; Secure; Partitioned on *.localhost (the builder frames the draft from another site)', async () => {
    const cookie = await follow(test, 'draft.notes.localhost:3000');
    expect(cookie).toMatch(/^tessera_preview=G\.notes\.\d+\.[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=None; Partitioned$/);
  });

  it('is __Host- prefixed behind HTTPS, and only that name is read there', async () => {
    const cookie = await follow(test, 'draft.notes.localhost:3000', { 'x-forwarded-proto': 'https' });
    expect(cookie).toMatch(/^__Host-tessera_preview=G\.notes\..*; Path=\/; HttpOnly; Secure; SameSite=None; Partitioned$/);
    const value = cookie.split(';')[0]!.split('=')[1]!;
    const app = createApp(test.platform);
    const https = { host: 'draft.notes.localhost:3000', 'x-forwarded-proto': 'https' };
    expect((await app.request('/_tessera/app.json', { headers: { ...https, cookie: `__Host-tessera_preview=${value}` } })).status).toBe(200);
    expect((await app.request('/_tessera/app.json', { headers: { ...https, cookie: `tessera_preview=${value}` } })).status).toBe(401);
  });

  it('is SameSite=Lax without Secure over plain HTTP on a real domain (no Secure cookie can be set there)', async () => {
    const cookie = await follow(plainDomain, 'draft.notes.tessera.test:3000');
    expect(cookie).toMatch(/^tessera_preview=G\.notes\..*; Path=\/; HttpOnly; SameSite=Lax$/);
  });
});
