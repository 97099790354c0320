import type { CAC } from 'cac';
import { connect, print, text, usage, type GlobalOptions } from '../context.ts';
import { byteSize } from '../../../wire/sizes.ts';

export function register(cli: CAC): void {
  cli
    .command('snapshot [id]', "snapshot an app's live data now (owners)")
    .usage('snapshot <id> [--reason "..."]')
    .option('--reason <text>', 'why (shown in the list; default "manual")')
    .example('tessera snapshot notes --reason "before the import"')
    .action(async (id: string | undefined, options: GlobalOptions & { reason?: unknown }) => {
      if (!id) usage('Usage: tessera snapshot <id> [--reason "..."]');
      const reason = text(options.reason);
      const snapshot = await connect(options).request('POST /api/tenants/:id/snapshots', { params: { id }, body: reason === undefined ? {} : { reason } });
      print(
        options,
        snapshot,
        `Snapshot ${snapshot.id} of ${id} (${byteSize(snapshot.bytes)}, release ${snapshot.release ?? 'none'} live): ${snapshot.reason}\nRestore it with: tessera restore ${id} ${snapshot.id}`,
      );
    });
}
