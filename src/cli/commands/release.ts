import type { CAC } from 'cac';
import { connect, plural, print, text, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('release [id] [version]', "snapshot the app's current commit as a release")
    .usage('release <id> <version> [--notes "..."]')
    .option('--notes <text>', 'what changed, kept with the release')
    .example('tessera release notes 1.0.0 --notes "First version"')
    .action(async (id: string | undefined, version: string | number | undefined, options: GlobalOptions & { notes?: unknown }) => {
      if (!id || version === undefined) usage('Usage: tessera release <id> <version> [--notes "..."]');
      const snapshot = await connect(options).request('POST /api/tenants/:id/releases', {
        params: { id },
        body: { version: String(version), notes: text(options.notes) ?? '' },
      });
      print(
        options,
        snapshot,
        `Released ${id} ${snapshot.version}: commit ${snapshot.commit.slice(0, 10)}, ${plural(Object.keys(snapshot.components).length, 'component')}, ${plural(Object.keys(snapshot.functions).length, 'function')}`,
      );
    });
}
