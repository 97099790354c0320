import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { readEnv, resolveConfig } from './config.ts';

describe('config', () => {
  it('has embedded defaults', () => {
    const config = resolveConfig({}, '/srv');
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe(path.resolve('/srv', './data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads .env, with the environment winning', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-config-'));
    writeFileSync(path.join(dir, '.env'), 'PORT=4000\nDATA_DIR=/var/tessera\nOPENAI_MODEL=llama3\n');
    const config = resolveConfig(readEnv({ PORT: '5000' }, dir), dir);
    expect(config.port).toBe(5000);
    expect(config.dataDir).toBe('/var/tessera');
    expect(config.openai.model).toBe('llama3');
  });

  it('names each bad variable', () => {
    expect(() => resolveConfig({ PORT: 'eighty', OPENAI_BASE_URL: 'not a url' })).toThrow(/PORT[\s\S]*OPENAI_BASE_URL/);
  });
});
