import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('deployments [id]', 'which release is live, and the deployment history')
    .usage('deployments <id>')
    .action(async (id: string | undefined, options: GlobalOptions) => {
      if (!id) usage('Usage: tessera deployments <id>');
      const history = await connect(options).request('GET /api/tenants/:id/deployments', { params: { id } });
      print(
        options,
        history,
        `live: ${history.live ?? 'nothing yet'}\n${history.deployments.map((d) => `${d.deployedAt}  ${d.previousVersion ?? '-'} -> ${d.version}  (${d.deployedBy})`).join('\n')}`,
      );
    });
}
