import type { CAC } from 'cac';
import type { Client } from '../../../wire/client.ts';
import { ApiError } from '../../../wire/client.ts';
import type { DataLoss, DeployResult } from '../../../wire/api.ts';
import { CliError, connect, plural, print, usage, type GlobalOptions } from '../context.ts';

/** Makes `version` live and says so, with the deploy's warnings. Shared with `rollback`. */
export async function deploy(client: Client, options: GlobalOptions & { confirmDataLoss?: boolean }, id: string, version: string): Promise<void> {
  let result: DeployResult & { url: string };
  try {
    result = await client.request('POST /api/tenants/:id/releases/:version/deploy', {
      params: { id, version },
      body: options.confirmDataLoss ? { confirmDataLoss: true } : {},
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'CONFIRM_DATA_LOSS') throw new CliError(dataLossText(id, version, err.details?.tables));
    throw err;
  }
  const migrated = result.migrations.to > result.migrations.from;
  print(
    options,
    result,
    `${id} ${result.version} is live at ${result.url}${result.previous ? ` (was ${result.previous})` : ''}${
      migrated
        ? `\nlive database migrated ${result.migrations.from} -> ${result.migrations.to} (snapshot ${result.migrations.snapshot} taken before: tessera restore ${id} ${result.migrations.snapshot} undoes it)`
        : ''
    }${result.warnings.map((w) => `\nwarning: ${w}`).join('')}`,
  );
}

/** The tables a deploy would lose, one per line, and how to go ahead anyway. */
function dataLossText(id: string, version: string, tables: unknown): string {
  const lines = (Array.isArray(tables) ? (tables as DataLoss[]) : []).map((entry) =>
    entry.lost === 'table'
      ? `  ${entry.table}: table dropped (${plural(entry.rows, 'row')})`
      : entry.lost === 'columns'
        ? `  ${entry.table}: ${entry.columns.join(', ')} dropped (${plural(entry.rows, 'row')})`
        : `  ${entry.table}: ${entry.rows} -> ${entry.rowsAfter} rows`,
  );
  return `Deploying ${version} would lose live data; nothing was changed:\n${lines.join('\n')}\nTo deploy anyway (a snapshot is taken first): tessera deploy ${id} ${version} --confirm-data-loss`;
}

export function register(cli: CAC): void {
  cli
    .command('deploy [id] [version]', 'make a release live (atomic)')
    .usage('deploy <id> <version>')
    .option('--confirm-data-loss', 'apply migrations that drop tables, columns or rows of live data (after 409 CONFIRM_DATA_LOSS)')
    .example('tessera deploy notes 1.0.0')
    .action(async (id: string | undefined, version: string | number | undefined, options: GlobalOptions & { confirmDataLoss?: boolean }) => {
      if (!id || version === undefined) usage('Usage: tessera deploy <id> <version>');
      await deploy(connect(options), options, id, String(version));
    });
}
