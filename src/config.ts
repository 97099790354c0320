import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { TesseraError } from './errors.ts';

/** How many snapshots of each app the retention keeps (SNAPSHOT_RETENTION, docs/data-safety.md). */
export interface SnapshotRetention {
  /** The newest snapshot of each of this many most recent hours that have one. */
  hourly: number;
  /** The newest snapshot of each of this many most recent days (UTC) that have one; also how many days manual and event snapshots are kept. */
  daily: number;
}

/**
 * `hourly=24,daily=30` (either may be left out: 0; spaces allowed) into a SnapshotRetention; a bad
 * part is a zod issue naming it.
 */
function parseSnapshotRetention(text: string, ctx: z.RefinementCtx): SnapshotRetention {
  const retention: SnapshotRetention = { hourly: 0, daily: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(hourly|daily)\s*=\s*(\d{1,5})$/.exec(part);
    if (!match || seen.has(match[1]!)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(part)} is not understood: write e.g. "hourly=24,daily=30" (each of hourly and daily at most once, a whole number of 0 or more)`,
      });
      return z.NEVER;
    }
    seen.add(match[1]!);
    retention[match[1] as keyof SnapshotRetention] = Number(match[2]);
  }
  return retention;
}

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    APP_DOMAIN: z.string().min(1).default('localhost'),
    PUBLIC_HOSTS: z.string().default(''),
    DATABASE_URL: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.string().url().optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_MODEL: z.string().min(1).optional(),
    OPENAI_STREAM: z.enum(['true', 'false', '1', '0']).default('true'),
    TESSERA_URL: z.string().url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    AGENT_MAX_STEPS: z.coerce.number().int().min(1).max(500).default(40),
    AGENT_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(20 * 60_000),
    AGENT_MAX_REPEATS: z.coerce.number().int().min(1).max(100).default(3),
    // Unset: a run is bounded by its steps and time only (a local model's tokens cost nothing).
    AGENT_MAX_TOKENS: z.coerce.number().int().min(1).optional(),
    // The model's context window in tokens: the conversation sent is trimmed to fit (default: a 32k local model).
    AGENT_CONTEXT_TOKENS: z.coerce.number().int().min(2048).max(10_000_000).default(32_768),
    // How many times a run's app check may send problems back to the model before the run ends with them.
    AGENT_MAX_REPAIRS: z.coerce.number().int().min(0).max(20).default(3),
    // The browser of the app check; where it is missing, the check is the server render.
    CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
    APP_CHECK_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    MODEL_TIMEOUT_MS: z.coerce.number().int().min(1000).default(180_000),
    MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
    FUNCTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    FUNCTION_MEMORY_MB: z.coerce.number().int().min(32).max(8192).default(128),
    FUNCTION_MAX_RESPONSE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(6 * 1024 * 1024),
    FUNCTION_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    API_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    TOOL_CALL_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024),
    APP_REPO_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .default(256 * 1024 * 1024),
    APP_PACKAGES_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .default(512 * 1024 * 1024),
    FUNCTION_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
    FUNCTION_WARM_POOL: z.coerce.number().int().min(0).max(64).default(2),
    BUILD_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    BUILD_MEMORY_MB: z.coerce.number().int().min(64).max(16_384).default(1024),
    BUILD_WORKERS: z.coerce.number().int().min(1).max(256).default(4),
    /** How often each app's live data is snapshotted when it changed; 0: never (only before deploys and restores, and by hand). */
    SNAPSHOT_INTERVAL_MS: z.coerce
      .number()
      .int()
      .refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (off) or at least 1000 ms')
      .default(60 * 60 * 1000),
    /** Which snapshots are kept: `hourly=24,daily=30` (see docs/data-safety.md). */
    SNAPSHOT_RETENTION: z.string().default('hourly=24,daily=30').transform(parseSnapshotRetention),
    npm_config_registry: z.string().url().optional(),
    npm_config__authToken: z.string().min(1).optional(),
    NPM_CONFIG__AUTHTOKEN: z.string().min(1).optional(),
    NPM_CONFIG_REGISTRY: z.string().url().optional(),
    PACKAGE_REGISTRY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    PACKAGE_MAX_UNPACKED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    APP_DB_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .default(1024 * 1024 * 1024),
    // At most 1 MiB: a function's SQL crosses its sandbox channel, whose frames carry no more (runtime/wire.ts).
    SQL_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(1024 * 1024),
    REQUIRE_ISOLATION: z.enum(['true', 'false', '1', '0']).default('false'),
    ALLOW_INSECURE_HTTP: z.enum(['true', 'false', '1', '0']).default('false'),
    TESSERA_DEPLOY_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    TESSERA_SECRET_KEY: z.string().optional(),
    TESSERA_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. from `openssl rand -hex 24`)').optional(),
    NODE_ENV: z.string().optional(),
    TESSERA_REPLICA_URL: z.string().url().optional(),
    TESSERA_LEASE_TTL_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
    OIDC_ISSUER: z.string().url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_REDIRECT_URL: z.string().url().optional(),
    OIDC_SCOPES: z.string().min(1).default('openid email profile'),
    OIDC_LABEL: z.string().min(1).max(60).default('Sign in with SSO'),
    EMAIL_RATE_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(100),
    EGRESS_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(8),
    EGRESS_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(300),
    EGRESS_MAX_RESPONSE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(5 * 1024 * 1024),
    EGRESS_BYTES_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1024)
      .default(50 * 1024 * 1024),
    EGRESS_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    TESSERA_EGRESS_LOOPBACK_PORTS: z
      .string()
      .regex(/^(\d{1,5}(,\d{1,5})*)?$/, 'must be comma-separated port numbers, e.g. 8123,8124')
      .default(''),
    TESSERA_EGRESS_DNS: z
      .string()
      .regex(/^([0-9.:[\]]+(,[0-9.:[\]]+)*)?$/, 'must be comma-separated DNS server addresses, e.g. 127.0.0.1:5353')
      .default(''),
  })
  .superRefine((e, ctx) => {
    // Replicas share tenants through the registry and seal secrets with one key: neither can be per process.
    if (e.TESSERA_REPLICA_URL && !e.DATABASE_URL)
      ctx.addIssue({ code: 'custom', path: ['TESSERA_REPLICA_URL'], message: 'several replicas need a shared PostgreSQL: set DATABASE_URL too' });
    if (e.TESSERA_REPLICA_URL && !e.TESSERA_SECRET_KEY)
      ctx.addIssue({ code: 'custom', path: ['TESSERA_REPLICA_URL'], message: 'several replicas need one sealing key: set TESSERA_SECRET_KEY too' });
    if (Boolean(e.OIDC_ISSUER) !== Boolean(e.OIDC_CLIENT_ID))
      ctx.addIssue({
        code: 'custom',
        path: [e.OIDC_ISSUER ? 'OIDC_CLIENT_ID' : 'OIDC_ISSUER'],
        message: 'OIDC sign-in needs both OIDC_ISSUER and OIDC_CLIENT_ID',
      });
    // Test-only openings in the egress wall: never in production.
    if (e.NODE_ENV === 'production') {
      for (const key of ['TESSERA_EGRESS_LOOPBACK_PORTS', 'TESSERA_EGRESS_DNS'] as const) {
        if (e[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is for tests only and is refused when NODE_ENV=production' });
      }
    }
  });

/** Reads `.env` in `cwd` (if present) under the given environment; the environment wins. */
export function readEnv(env: NodeJS.ProcessEnv, cwd: string): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/**
 * The `registry=` line of the project's `.npmrc`, as npm would read it when no environment
 * variable sets one (npm's user and global files are npm's business; the project file is ours).
 */
function npmrcRegistry(cwd: string): string | undefined {
  const file = path.join(cwd, '.npmrc');
  if (!existsSync(file)) return undefined;
  const line = /^\s*registry\s*=\s*(\S+)\s*$/m.exec(readFileSync(file, 'utf8'));
  return line && /^https?:\/\//.test(line[1]!) ? line[1] : undefined;
}

/**
 * The token for the registry, as npm reads it: `//<registry host and path>:_authToken=<token>` in the
 * project's `.npmrc` (`${VAR}` taken from the environment), for that registry only.
 */
function npmrcAuthToken(cwd: string, registry: string, env: Record<string, string | undefined>): string | undefined {
  const file = path.join(cwd, '.npmrc');
  if (!existsSync(file)) return undefined;
  const nerfDart = registry.replace(/^https?:/, '');
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(\/\/[^\s=]+):_authToken\s*=\s*(\S+)\s*$/.exec(line);
    if (!match || (match[1]!.endsWith('/') ? match[1]! : `${match[1]}/`) !== nerfDart) continue;
    const token = match[2]!.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => env[name] ?? '');
    return token || undefined;
  }
  return undefined;
}

/**
 * Every setting Tessera reads, resolved once from the environment and an optional `.env` file
 * (the environment wins), plus the project's `.npmrc` in `cwd` for the npm registry. No other
 * module reads `process.env`. The `Config` type is what this schema outputs.
 */
function configSchema(cwd: string, env: Record<string, string | undefined>) {
  return envSchema.transform((e) => {
    const registry = withSlash(e.npm_config_registry ?? e.NPM_CONFIG_REGISTRY ?? npmrcRegistry(cwd) ?? 'https://registry.npmjs.org/');
    const authToken = e.npm_config__authToken ?? e.NPM_CONFIG__AUTHTOKEN ?? npmrcAuthToken(cwd, registry, env);
    return Object.freeze({
      port: e.PORT,
      /** Interface the HTTP server binds to. */
      host: e.HOST,
      /** Absolute path of the data directory (tenant repos, databases, bundles). */
      dataDir: path.resolve(cwd, e.DATA_DIR),
      /** The domain that tenant apps hang under: `<tenant>.<appDomain>:PORT`. */
      appDomain: e.APP_DOMAIN.toLowerCase(),
      /** Extra host names the server answers to (e.g. a public name behind a proxy); others get 421. */
      publicHosts: Object.freeze(
        e.PUBLIC_HOSTS.split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      ),
      databaseUrl: e.DATABASE_URL,
      openai: Object.freeze({
        baseUrl: e.OPENAI_BASE_URL,
        apiKey: e.OPENAI_API_KEY,
        model: e.OPENAI_MODEL,
        stream: e.OPENAI_STREAM === 'true' || e.OPENAI_STREAM === '1',
      }),
      logLevel: e.LOG_LEVEL,
      /** Where the CLI finds a running server (`TESSERA_URL`, default `http://localhost:PORT`). */
      serverUrl: (e.TESSERA_URL ?? `http://localhost:${e.PORT || 3000}`).replace(/\/$/, ''),
      /** The agent loop's bounds and the model client's patience. */
      agent: Object.freeze({
        maxSteps: e.AGENT_MAX_STEPS,
        timeoutMs: e.AGENT_TIMEOUT_MS,
        /** The same failing tool call this many times in a row ends a run as `stuck`. */
        maxRepeats: e.AGENT_MAX_REPEATS,
        /** Prompt + completion tokens one run may use (null: no bound); past it the run ends as `budget`. */
        maxTokens: e.AGENT_MAX_TOKENS ?? null,
        /** The model's context window (AGENT_CONTEXT_TOKENS): old turns drop out of what is sent to fit it. */
        contextTokens: e.AGENT_CONTEXT_TOKENS,
        /** Times a run's app check may send problems back to the model (AGENT_MAX_REPAIRS). */
        maxRepairs: e.AGENT_MAX_REPAIRS,
        modelTimeoutMs: e.MODEL_TIMEOUT_MS,
        modelMaxRetries: e.MODEL_MAX_RETRIES,
      }),
      /** The app check (src/appcheck): the Chromium it drives and how long one check may take. */
      appCheck: Object.freeze({ chromiumPath: e.CHROMIUM_PATH, timeoutMs: e.APP_CHECK_TIMEOUT_MS }),
      /** Builds of tenant code and npm packages (each in a sandboxed worker per app): time and memory per build, warm workers alive. */
      builds: Object.freeze({ timeoutMs: e.BUILD_TIMEOUT_MS, memoryMb: e.BUILD_MEMORY_MB, maxWorkers: e.BUILD_WORKERS }),
      /** Limits for tenant functions. */
      functions: Object.freeze({
        timeoutMs: e.FUNCTION_TIMEOUT_MS,
        memoryMb: e.FUNCTION_MEMORY_MB,
        maxResponseBytes: e.FUNCTION_MAX_RESPONSE_BYTES,
        maxRequestBytes: e.FUNCTION_MAX_BODY_BYTES,
        concurrency: e.FUNCTION_CONCURRENCY,
        warmPool: e.FUNCTION_WARM_POOL,
      }),
      /** Largest request bodies the HTTP server reads (413 past them): the control API, and tool calls through it. */
      http: Object.freeze({ maxBodyBytes: e.API_MAX_BODY_BYTES, maxToolCallBytes: e.TOOL_CALL_MAX_BODY_BYTES }),
      /** What one app may keep on disk: its git repository, and the packages its lockfile pins in the shared store. */
      quotas: Object.freeze({ repoMaxBytes: e.APP_REPO_MAX_BYTES, packagesMaxBytes: e.APP_PACKAGES_MAX_BYTES }),
      /** npm packages for tenant code: where they come from and how much one may weigh. */
      packages: Object.freeze({
        registry,
        ...(authToken ? { authToken } : {}),
        timeoutMs: e.PACKAGE_REGISTRY_TIMEOUT_MS,
        maxUnpackedBytes: e.PACKAGE_MAX_UNPACKED_BYTES,
      }),
      /** Snapshots of each app's live data: how often when it changed (0: not periodically), and which are kept. */
      snapshots: Object.freeze({ intervalMs: e.SNAPSHOT_INTERVAL_MS, retention: Object.freeze(e.SNAPSHOT_RETENTION) }),
      /** Per-app database bounds: the file's size (APP_DB_MAX_BYTES) and one call's SQL text (SQL_MAX_BYTES). */
      appDb: Object.freeze({ maxBytes: e.APP_DB_MAX_BYTES, maxSqlBytes: e.SQL_MAX_BYTES }),
      /** Refuse to start when bubblewrap cannot isolate tenant functions, app databases and builds. */
      requireIsolation: e.REQUIRE_ISOLATION === 'true' || e.REQUIRE_ISOLATION === '1',
      /**
       * Builder sessions over plain HTTP where apps share the builder's domain (`ALLOW_INSECURE_HTTP`).
       * Off: such browsers must come over HTTPS, where the `__Host-` cookie cannot be planted by an app.
       */
      allowInsecureHttp: e.ALLOW_INSECURE_HTTP === 'true' || e.ALLOW_INSECURE_HTTP === '1',
      /** Bearer token that deploying through the read path (`POST /api/serving/releases`) requires; unset: such deploys are refused. */
      ...(e.TESSERA_DEPLOY_TOKEN ? { deployToken: e.TESSERA_DEPLOY_TOKEN } : {}),
      /** The key sealing tenant secrets (`TESSERA_SECRET_KEY`); unset: a key file in DATA_DIR. */
      ...(e.TESSERA_SECRET_KEY ? { secretKey: e.TESSERA_SECRET_KEY } : {}),
      /** A fixed administrator token for scripts, tests and CI (`TESSERA_TOKEN`): as a bearer token, or in `/?token=`. */
      ...(e.TESSERA_TOKEN ? { adminToken: e.TESSERA_TOKEN } : {}),
      /**
       * Several replicas on one shared DATA_DIR (TESSERA_REPLICA_URL set): this replica's address as the
       * others reach it, and how long a tenant lease lasts without renewal. Absent: one process, no leases.
       */
      ...(e.TESSERA_REPLICA_URL ? { replica: Object.freeze({ url: e.TESSERA_REPLICA_URL.replace(/\/$/, ''), leaseTtlMs: e.TESSERA_LEASE_TTL_MS }) } : {}),
      /** Sign-in through an OpenID Connect identity provider; absent unless OIDC_ISSUER and OIDC_CLIENT_ID are set. */
      ...(e.OIDC_ISSUER && e.OIDC_CLIENT_ID
        ? {
            oidc: Object.freeze({
              issuer: e.OIDC_ISSUER,
              clientId: e.OIDC_CLIENT_ID,
              ...(e.OIDC_CLIENT_SECRET ? { clientSecret: e.OIDC_CLIENT_SECRET } : {}),
              ...(e.OIDC_REDIRECT_URL ? { redirectUrl: e.OIDC_REDIRECT_URL } : {}),
              scopes: e.OIDC_SCOPES,
              label: e.OIDC_LABEL,
            }),
          }
        : {}),
      /** Mail of the generated apps (src/email): how many one app may send in an hour. */
      email: Object.freeze({ ratePerHour: e.EMAIL_RATE_PER_HOUR }),
      /** Outbound requests of tenant functions: limits, and test-only escape hatches (refused in production). */
      egress: Object.freeze({
        maxConnections: e.EGRESS_MAX_CONNECTIONS,
        requestsPerMinute: e.EGRESS_REQUESTS_PER_MINUTE,
        maxResponseBytes: e.EGRESS_MAX_RESPONSE_BYTES,
        bytesPerMinute: e.EGRESS_BYTES_PER_MINUTE,
        timeoutMs: e.EGRESS_TIMEOUT_MS,
        loopbackPorts: Object.freeze(e.TESSERA_EGRESS_LOOPBACK_PORTS.split(',').filter(Boolean).map(Number)),
        dnsServers: Object.freeze(e.TESSERA_EGRESS_DNS.split(',').filter(Boolean)),
      }),
    });
  });
}

/** Every setting Tessera reads: what configSchema outputs (frozen). */
export type Config = z.output<ReturnType<typeof configSchema>>;

/** Resolves and freezes the configuration. Throws a readable error naming each bad variable. */
export function resolveConfig(env: Record<string, string | undefined> = readEnv(process.env, process.cwd()), cwd = process.cwd()): Config {
  const parsed = configSchema(cwd, env).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new TesseraError('INVALID_ARGUMENTS', `Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
