import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const KEY_FILE = 'secret.key';

/** 32 bytes from 64 hex digits or base64; anything else is a configuration error naming the variable. */
export function parseKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error(`${where} must hold a 256-bit key: 64 hex digits or 44 base64 characters (e.g. from \`openssl rand -base64 32\`).`);
  return key;
}

/**
 * The key that seals tenant secrets: `TESSERA_SECRET_KEY` when set, else `DATA_DIR/secret.key`,
 * created on first start with owner-only permissions (and made owner-only again if someone
 * loosened them). Losing it makes the stored secrets unreadable, never readable by someone else.
 */
export function loadSecretKey(options: { configured?: string; dataDir: string }): Buffer {
  if (options.configured) return parseKey(options.configured, 'TESSERA_SECRET_KEY');
  const file = path.join(options.dataDir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseKey(readFileSync(file, 'utf8'), file);
}
