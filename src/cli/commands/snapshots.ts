import type { CAC } from 'cac';
import type { SnapshotInfo } from '../../../wire/api.ts';
import { byteSize } from '../../../wire/sizes.ts';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

/** One line per snapshot, in aligned columns: id, time, reason, release, size. */
export function snapshotTable(snapshots: SnapshotInfo[]): string {
  const rows = [
    ['ID', 'TIME (UTC)', 'REASON', 'RELEASE', 'SIZE'],
    ...snapshots.map((s) => [s.id, s.at.replace('T', ' ').replace(/\.\d+Z$/, ''), s.reason, s.release ?? '-', byteSize(s.bytes)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

export function register(cli: CAC): void {
  cli
    .command('snapshots [id]', "list snapshots of an app's live data (owners)")
    .usage('snapshots <id>')
    .example('tessera snapshots notes')
    .action(async (id: string | undefined, options: GlobalOptions) => {
      if (!id) usage('Usage: tessera snapshots <id>');
      const snapshots = await connect(options).request('GET /api/tenants/:id/snapshots', { params: { id } });
      print(
        options,
        snapshots,
        snapshots.length ? snapshotTable(snapshots) : `No snapshots of ${id} yet (the first deploy with a migration takes one; or: tessera snapshot ${id}).`,
      );
    });
}
