import type { CAC } from 'cac';
import { CliError, connect, usage, type GlobalOptions } from '../context.ts';
import { deploy } from './deploy.ts';

export function register(cli: CAC): void {
  cli
    .command('rollback [id] [version]', 'deploy the release live before the current one (or <version>)')
    .usage('rollback <id> [<version>]')
    .action(async (id: string | undefined, wanted: string | number | undefined, options: GlobalOptions) => {
      if (!id) usage('Usage: tessera rollback <id> [<version>]');
      const client = connect(options);
      let version = wanted === undefined ? undefined : String(wanted);
      if (!version) {
        const history = await client.request('GET /api/tenants/:id/deployments', { params: { id } });
        version = history.deployments.at(-1)?.previousVersion ?? undefined;
        if (!version) throw new CliError(`Nothing to roll back to: ${history.live ? `${history.live} is the first release deployed` : 'nothing is live yet'}.`);
      }
      await deploy(client, options, id, version);
    });
}
