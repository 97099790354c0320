import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('tenants [action] [id]', 'list, create, show or delete apps')
    .usage('tenants list | create <id> | get <id> | delete <id>')
    .example('tessera tenants create notes    (id: a DNS label)')
    .action(async (action: string | undefined, id: string | undefined, options: GlobalOptions) => {
      const client = connect(options);
      if (action === 'list' || action === undefined) {
        const answer = await client.request('GET /api/tenants');
        print(options, answer, answer.tenants.length ? answer.tenants.map((t) => `${t.id}\t${t.url}`).join('\n') : 'No apps yet.');
      } else if (action === 'create') {
        const answer = await client.request('POST /api/tenants', { body: { id: id as string } });
        print(options, answer, `Created ${answer.id}: ${answer.url}`);
      } else if (action === 'get') {
        if (!id) usage('Missing app id.');
        print(options, await client.request('GET /api/tenants/:id', { params: { id } }));
      } else if (action === 'delete') {
        if (!id) usage('Missing app id.');
        await client.request('DELETE /api/tenants/:id', { params: { id } });
        print(options, { deleted: id }, `Deleted ${id}`);
      } else usage(`Unknown "tenants ${action}".`);
    });
}
