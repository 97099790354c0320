import { Hono } from 'hono';
import { z } from 'zod';
import type { Platform } from '../platform.ts';
import { principalOf, routePolicies, type Env } from './policy.ts';
import { readBody } from './validate.ts';

/** A manual snapshot's body: `{}` or `{"reason": "before the import"}`. */
const newSnapshot = z.object({ reason: z.string().trim().min(1, 'expected a non-empty reason').max(200).optional() }).strict();
const restoreBody = z.object({}).strict();

/**
 * Snapshots of an app's live database (DESIGN.md "Draft data, live data, snapshots"), owners only:
 * the list, one taken by hand, and a restore (the live data as it is is snapshotted first, then the
 * snapshot's file takes its place whole, while no deploy of the app runs).
 */
export function snapshotsApi(platform: Platform): Hono<Env> {
  const api = new Hono<Env>();
  const { requireRole, audited } = routePolicies(platform);

  api.get('/tenants/:id/snapshots', requireRole('owner', 'reading the snapshots'), async function listSnapshots(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    return c.json(await platform.snapshots.list(tenant.id));
  });

  api.post('/tenants/:id/snapshots', audited('snapshot.create'), requireRole('owner', 'taking a snapshot'), async function takeSnapshot(c) {
    const tenant = await platform.tenants.get(c.req.param('id'));
    const { reason } = await readBody(c, newSnapshot, { hint: 'Send {} or {"reason": "..."} (at most 200 characters).' });
    const snapshot = await platform.snapshots.take(tenant.id, reason ?? 'manual', principalOf(c).user.id);
    return c.json(snapshot, 201);
  });

  api.post(
    '/tenants/:id/snapshots/:snapshotId/restore',
    audited('snapshot.restore', { target: 'snapshotId' }),
    requireRole('owner', 'restoring a snapshot'),
    async function restoreSnapshot(c) {
      const tenant = await platform.tenants.get(c.req.param('id'));
      await readBody(c, restoreBody, { hint: 'Send {} (the snapshot is named in the path).' });
      const snapshotId = c.req.param('snapshotId');
      const by = principalOf(c).user.id;
      const result = await platform.deployer.exclusive(tenant.id, () => platform.snapshots.restore(tenant.id, snapshotId, by));
      return c.json(result);
    },
  );

  return api;
}
