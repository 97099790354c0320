import { resolveConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createPlatform } from './platform.ts';
import { startServer } from './server/index.ts';

/** `npm start`: the whole platform in one process, with embedded defaults. */
async function main(): Promise<void> {
  const config = resolveConfig();
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const platform = await createPlatform(config, logger);
  const server = await startServer(platform);
  logger.info(
    `Tessera is running: builder ${server.url}/  ·  live apps http://<app>.${config.appDomain}:${server.port}/, drafts http://draft.<app>.${config.appDomain}:${server.port}/  ·  data ${config.dataDir}`,
  );
  const first = await platform.auth.bootstrap();
  if (first) {
    // Shown once, as Jupyter does: the way in for the person who started the server.
    const link = `${server.url.replace('127.0.0.1', 'localhost')}/?token=${first.linkToken}`;
    process.stdout.write(
      `\n  First start: sign in to the builder with this one-time link (valid 24 h), then set a password in the account menu:\n\n    ${link}\n\n`,
    );
  } else if (!config.adminToken) {
    logger.info('Sign in with your password, the identity provider or an API token. Locked out? Set TESSERA_TOKEN, restart, and open /?token=<TESSERA_TOKEN>.');
  }
  if (config.appDomain !== 'localhost' && !config.allowInsecureHttp) {
    logger.info(
      `APP_DOMAIN is ${config.appDomain}: where the builder's host shares a parent domain with the apps, browsers sign in over HTTPS only (a proxy sending X-Forwarded-Proto: https), since over plain HTTP an app could plant its author's session; ALLOW_INSECURE_HTTP=1 allows it anyway (docs/security.md).`,
    );
  }
  const isolation = await platform.runtime.isolation();
  if (isolation !== 'bubblewrap' && config.requireIsolation) {
    await server.close();
    await platform.close();
    throw new Error(
      'REQUIRE_ISOLATION is set but bubblewrap cannot run here (install "bubblewrap"; it needs user namespaces): tenant functions and builds would run unsandboxed.',
    );
  }
  if (isolation === 'bubblewrap') logger.info('Tenant functions, app databases and builds run in bubblewrap sandboxes (namespaces, no network, uid nobody).');
  else
    logger.warn(
      'bubblewrap cannot run here (install the "bubblewrap" package; it needs user namespaces): tenant functions run in separate processes with Node\'s permission model only, which does not block network access; app databases run in plain memory-capped processes that can read what the platform can; and builds of tenant code and npm packages run in separate processes WITHOUT any sandbox (esbuild can read every file the platform can). Set REQUIRE_ISOLATION=true to refuse to start instead.',
    );
  if (!config.openai.baseUrl && !config.openai.apiKey)
    logger.info('No model configured (OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL): apps can be built through the API and CLI.');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await server.close();
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Tessera failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
