import { describe, expect, it } from 'vitest';
import { checkPasswordStrength, DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies only the same password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse battery!', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('treats the same text in another Unicode form as the same password', async () => {
    const composed = await hashPassword('caf\u00e9-au-lait-long');
    expect(await verifyPassword('cafe\u0301-au-lait-long', composed)).toBe(true);
  });

  it('matches nothing with the dummy hash or a damaged one', async () => {
    expect(await verifyPassword('anything-at-all', DUMMY_HASH)).toBe(false);
    expect(await verifyPassword('anything-at-all', 'bcrypt$whatever')).toBe(false);
    expect(await verifyPassword('anything-at-all', '')).toBe(false);
  });

  it('refuses passwords shorter than 10 or longer than 200 characters', () => {
    expect(() => checkPasswordStrength('short')).toThrow(/10 to 200 characters/);
    expect(() => checkPasswordStrength('x'.repeat(201))).toThrow(/WEAK_PASSWORD|10 to 200/);
    expect(() => checkPasswordStrength(42)).toThrow(/10 to 200/);
    expect(checkPasswordStrength('ten-chars!')).toBe('ten-chars!');
  });
});
