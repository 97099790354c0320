import { Hono } from 'hono';
import { z } from 'zod';
import { startBackup } from '../backup/index.ts';
import { TesseraError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { loadSecretKey } from '../secrets/index.ts';
import { routePolicies, type Env } from './policy.ts';
import { readBody } from './validate.ts';

const backupOptionsSchema = z.object({ withoutKey: z.boolean().optional() }).strict();

/**
 * `POST /api/backup`: the whole platform as one gzip'd tar archive, streamed as it is made (admins;
 * audited). The registry is read before the answer starts, so its failure is an ordinary error; a
 * failure later cuts the stream short, and the archive then lacks its `end.json` (the CLI says so).
 */
export function backupApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { adminOnly, audited } = routePolicies(platform);

  api.post('/backup', audited('backup.create', { target: { literal: 'platform' } }), adminOnly(), async function backupPlatform(c) {
    const options = await readBody(c, backupOptionsSchema, { hint: 'Send {} or {"withoutKey": true} (leave the sealing key out of the archive).' });
    // Each replica holds only some apps' locks: a consistent copy of all of them needs one process.
    if (platform.placement.replicated)
      throw new TesseraError(
        'BACKUP_UNAVAILABLE',
        'This platform runs as several replicas; back it up from a single process (TESSERA_REPLICA_URL unset) on the same DATA_DIR and DATABASE_URL.',
      );
    const { config } = platform;
    const backup = await startBackup(
      {
        dataDir: config.dataDir,
        registry: platform.registry,
        tenants: platform.tenants,
        databases: platform.dbPool,
        sealingKey: () => loadSecretKey({ configured: config.secretKey, dataDir: config.dataDir }),
        logger: c.get('logger') ?? platform.logger,
      },
      { withoutKey: options.withoutKey ?? false },
    );
    const stamp = backup.manifest.createdAt.replace(/[:.]/g, '-');
    return new Response(backup.stream, {
      headers: {
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="tessera-backup-${stamp}.tar.gz"`,
        'cache-control': 'no-store',
        'x-tessera-backup-apps': String(backup.manifest.apps.length),
      },
    });
  });

  return api;
}
