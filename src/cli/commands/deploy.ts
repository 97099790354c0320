import type { CAC } from 'cac';
import type { Client } from '../../../wire/client.ts';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

/** Makes `version` live and says so, with the deploy's warnings. Shared with `rollback`. */
export async function deploy(client: Client, options: GlobalOptions, id: string, version: string): Promise<void> {
  const result = await client.request('POST /api/tenants/:id/releases/:version/deploy', { params: { id, version }, body: {} });
  print(
    options,
    result,
    `${id} ${result.version} is live at ${result.url}${result.previous ? ` (was ${result.previous})` : ''}${result.warnings.map((w) => `\nwarning: ${w}`).join('')}`,
  );
}

export function register(cli: CAC): void {
  cli
    .command('deploy [id] [version]', 'make a release live (atomic)')
    .usage('deploy <id> <version>')
    .example('tessera deploy notes 1.0.0')
    .action(async (id: string | undefined, version: string | number | undefined, options: GlobalOptions) => {
      if (!id || version === undefined) usage('Usage: tessera deploy <id> <version>');
      await deploy(connect(options), options, id, String(version));
    });
}
