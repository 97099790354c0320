import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../src/config.ts';
import { createSilentLogger } from '../../src/log.ts';
import { createPlatform, type Platform } from '../../src/platform.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';

export interface TestPlatform {
  platform: Platform;
  dataDir: string;
  close(): Promise<void>;
}

/** A real platform (git, SQLite, esbuild, function processes) in a temp data dir; close() removes it. */
export async function createTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-test-'));
  const config = resolveConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env });
  const platform = await createPlatform(config, createSilentLogger());
  return {
    platform,
    dataDir,
    async close() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The same, listening on a free port of 127.0.0.1. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestPlatform & { server: RunningServer; url: string; appUrl(tenant: string): string; liveUrl(tenant: string): string }> {
  const test = await createTestPlatform(env);
  const server = await startServer(test.platform);
  return {
    ...test,
    server,
    url: server.url,
    /** The draft preview: the app's newest commit. */
    appUrl: (tenant) => `http://draft.${tenant}.localhost:${server.port}/`,
    /** The live app: its deployed release. */
    liveUrl: (tenant) => `http://${tenant}.localhost:${server.port}/`,
    async close() {
      await server.close();
      await test.close();
    },
  };
}
