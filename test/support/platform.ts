import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Principal } from '../../src/auth/index.ts';
import { resolveConfig } from '../../src/config.ts';
import { createSilentLogger } from '../../src/log.ts';
import { createPlatform, type Platform } from '../../src/platform.ts';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { forgetCredential, installFetchCredentials, rememberCredential } from './credentials.ts';

export interface TestPlatform {
  platform: Platform;
  dataDir: string;
  /** The platform's TESSERA_TOKEN: an administrator's bearer token, and `/?token=` signs a browser in. */
  token: string;
  close(): Promise<void>;
}

/**
 * A real platform (git, SQLite, esbuild, function processes) in a temp data dir; close() removes it.
 * It has a TESSERA_TOKEN of its own (`token`), which tests use as the administrator's credential.
 */
export async function createTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-test-'));
  const token = env.TESSERA_TOKEN ?? `test-${randomBytes(16).toString('hex')}`;
  const config = resolveConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env, TESSERA_TOKEN: token });
  const platform = await createPlatform(config, createSilentLogger());
  return {
    platform,
    dataDir,
    token,
    async close() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The administrator of TESSERA_TOKEN as a principal: whom tests and benchmarks run the agent for. */
export async function adminPrincipal(test: Pick<TestPlatform, 'platform' | 'token'>): Promise<Principal> {
  const principal = await test.platform.auth.authenticate({ bearer: test.token });
  if (!principal) throw new Error("The test platform's TESSERA_TOKEN did not authenticate.");
  return principal;
}

/** The same, listening on a free port of 127.0.0.1. */
export async function startTestServer(env: Record<string, string> = {}): Promise<
  TestPlatform & {
    server: RunningServer;
    url: string;
    appUrl(tenant: string): string;
    liveUrl(tenant: string): string;
    previewLink(tenant: string, path?: string): Promise<string>;
  }
> {
  const test = await createTestPlatform(env);
  const server = await startServer(test.platform);
  installFetchCredentials();
  rememberCredential(server.port, test.token);
  return {
    ...test,
    server,
    url: server.url,
    /** The draft preview: the app's newest commit. */
    appUrl: (tenant) => `http://draft.${tenant}.localhost:${server.port}/`,
    /** The live app: its deployed release. */
    liveUrl: (tenant) => `http://${tenant}.localhost:${server.port}/`,
    /**
     * A signed link to the draft, as the builder's preview gets one (the admin's, through
     * `GET /api/tenants/:id/preview`): a browser that follows it holds the draft origin's grant cookie.
     */
    async previewLink(tenant, path = '/') {
      const res = await fetch(`${server.url}/api/tenants/${tenant}/preview?path=${encodeURIComponent(path)}`, { redirect: 'manual' });
      const link = res.headers.get('location');
      if (res.status !== 302 || !link) throw new Error(`No preview link for ${tenant}: ${res.status} ${await res.text()}`);
      return link;
    },
    async close() {
      forgetCredential(server.port);
      await server.close();
      await test.close();
    },
  };
}
