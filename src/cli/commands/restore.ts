import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('restore [id] [snapshotId]', "put a snapshot's data back as the app's live data (owners; the current data is snapshotted first)")
    .usage('restore <id> <snapshotId>')
    .example('tessera restore notes 20261208t001530z-3f9a1c')
    .action(async (id: string | undefined, snapshotId: string | undefined, options: GlobalOptions) => {
      if (!id || !snapshotId) usage('Usage: tessera restore <id> <snapshotId> (tessera snapshots <id> lists them)');
      const result = await connect(options).request('POST /api/tenants/:id/snapshots/:snapshotId/restore', {
        params: { id, snapshotId: String(snapshotId) },
        body: {},
      });
      print(
        options,
        result,
        [
          `Restored ${id}'s live data to snapshot ${result.restored.id} (${result.restored.at}, ${result.restored.reason}).`,
          `The data as it was just before is snapshot ${result.before.id}: tessera restore ${id} ${result.before.id} undoes this.`,
          ...result.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
    });
}
