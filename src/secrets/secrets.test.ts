import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSecretName, loadSecretKey, maskSecrets, parseKey } from './index.ts';
import { open, seal } from './seal.ts';

describe('secrets', () => {
  const key = parseKey('a'.repeat(64), 'test');

  it('seals with the slot as associated data: another tenant or name cannot open it', () => {
    const sealed = seal(key, 'shop/API_KEY', 'sk_123456');
    expect(sealed).not.toContain('sk_123456');
    expect(Buffer.from(sealed, 'base64').includes(Buffer.from('sk_123456'))).toBe(false);
    expect(open(key, 'shop/API_KEY', sealed)).toBe('sk_123456');
    expect(() => open(key, 'other/API_KEY', sealed)).toThrow();
    expect(() => open(key, 'shop/OTHER', sealed)).toThrow();
    expect(() => open(parseKey('b'.repeat(64), 'test'), 'shop/API_KEY', sealed)).toThrow();
    expect(seal(key, 'shop/API_KEY', 'sk_123456')).not.toBe(sealed);
  });

  it('masks values of four characters or more, longest first', () => {
    expect(maskSecrets('token=abcd1234 and abcd', { A: 'abcd1234', B: 'abcd', C: '12' })).toBe('token=[secret A] and [secret B]');
    expect(maskSecrets('nothing here', { A: 'secret-value' })).toBe('nothing here');
  });

  it('checks names and keys', () => {
    expect(checkSecretName('STRIPE_API_KEY')).toBe('STRIPE_API_KEY');
    for (const bad of ['lower', '1ABC', 'A-B', '', 'A'.repeat(65)]) expect(() => checkSecretName(bad), bad).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => parseKey('short', 'TESSERA_SECRET_KEY')).toThrow(/TESSERA_SECRET_KEY must hold a 256-bit key/);
    expect(parseKey(Buffer.alloc(32, 7).toString('base64'), 'x')).toHaveLength(32);
  });

  it('creates an owner-only key file once, and tightens loosened permissions', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-key-'));
    try {
      const first = loadSecretKey({ dataDir: dir });
      const file = path.join(dir, 'secret.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      chmodSync(file, 0o644);
      expect(loadSecretKey({ dataDir: dir }).equals(first)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('base64'));
      expect(loadSecretKey({ dataDir: dir, configured: 'c'.repeat(64) }).equals(first)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
