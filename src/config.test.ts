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
    // Bodies and disk: bounded by default.
    expect(config.http).toEqual({ maxBodyBytes: 1024 * 1024, maxToolCallBytes: 4 * 1024 * 1024 });
    expect(config.functions.maxRequestBytes).toBe(1024 * 1024);
    expect(config.quotas).toEqual({ repoMaxBytes: 256 * 1024 * 1024, packagesMaxBytes: 512 * 1024 * 1024 });
    expect(resolveConfig({ FUNCTION_MAX_BODY_BYTES: '26214400', APP_REPO_MAX_BYTES: '1000000' }, '/srv')).toMatchObject({
      functions: { maxRequestBytes: 26214400 },
      quotas: { repoMaxBytes: 1000000 },
    });
  });

  it('reads .env, with the environment winning', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-config-'));
    writeFileSync(path.join(dir, '.env'), 'PORT=4000\nDATA_DIR=/var/tessera\nOPENAI_MODEL=llama3\n');
    const config = resolveConfig(readEnv({ PORT: '5000' }, dir), dir);
    expect(config.port).toBe(5000);
    expect(config.dataDir).toBe('/var/tessera');
    expect(config.openai.model).toBe('llama3');
  });

  it('bounds an agent run by repeats of one failing call, and by tokens only when asked', () => {
    expect(resolveConfig({}, '/srv').agent).toMatchObject({ maxRepeats: 3, maxTokens: null });
    expect(resolveConfig({ AGENT_MAX_REPEATS: '5', AGENT_MAX_TOKENS: '200000' }, '/srv').agent).toMatchObject({ maxRepeats: 5, maxTokens: 200_000 });
    expect(() => resolveConfig({ AGENT_MAX_REPEATS: '0', AGENT_MAX_TOKENS: 'lots' })).toThrow(/AGENT_MAX_REPEATS[\s\S]*AGENT_MAX_TOKENS/);
  });

  it('bounds the repairs after the app check and says where its Chromium is', () => {
    expect(resolveConfig({}, '/srv')).toMatchObject({ agent: { maxRepairs: 3 }, appCheck: { chromiumPath: '/usr/bin/chromium', timeoutMs: 30_000 } });
    expect(resolveConfig({ AGENT_MAX_REPAIRS: '0', CHROMIUM_PATH: '/opt/chromium', APP_CHECK_TIMEOUT_MS: '5000' }, '/srv')).toMatchObject({
      agent: { maxRepairs: 0 },
      appCheck: { chromiumPath: '/opt/chromium', timeoutMs: 5000 },
    });
    expect(() => resolveConfig({ AGENT_MAX_REPAIRS: '-1', APP_CHECK_TIMEOUT_MS: 'soon' })).toThrow(/AGENT_MAX_REPAIRS[\s\S]*APP_CHECK_TIMEOUT_MS/);
  });

  it('names each bad variable', () => {
    expect(() => resolveConfig({ PORT: 'eighty', OPENAI_BASE_URL: 'not a url' })).toThrow(/PORT[\s\S]*OPENAI_BASE_URL/);
  });

  it('takes the registry and its token from the project .npmrc as npm does, for that registry only', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-npmrc-'));
    writeFileSync(
      path.join(dir, '.npmrc'),
      'registry=https://npm.example.com/private/\n//other.example.com/:_authToken=not-this-one\n//npm.example.com/private/:_authToken=${PRIVATE_NPM_TOKEN}\n',
    );
    const config = resolveConfig({ PRIVATE_NPM_TOKEN: 'tok_from_env' }, dir);
    expect(config.packages).toMatchObject({ registry: 'https://npm.example.com/private/', authToken: 'tok_from_env' });
    // Another registry (from the environment) gets none of the file's tokens.
    expect(resolveConfig({ npm_config_registry: 'https://registry.npmjs.org/', PRIVATE_NPM_TOKEN: 'tok_from_env' }, dir).packages.authToken).toBeUndefined();
    expect(resolveConfig({ npm_config_registry: 'https://registry.npmjs.org/', npm_config__authToken: 'tok_env' }, dir).packages.authToken).toBe('tok_env');
  });
});
