import type { CAC } from 'cac';
import { connect, print, readStdin, text, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('secrets [id] [action] [name]', "list an app's secrets (names only) and the ones the agent asked for; set or delete one")
    .usage('secrets <id> | secrets <id> set <NAME> [--value <v>] | secrets <id> delete <NAME>')
    .option('--value <v>', 'the value to set (read from stdin without it)')
    .action(async (id: string | undefined, action: string | undefined, name: string | undefined, options: GlobalOptions & { value?: unknown }) => {
      if (!id) usage('Usage: tessera secrets <id> [set <NAME> | delete <NAME>]');
      const client = connect(options);
      if (action === undefined || action === 'list') {
        const list = await client.request('GET /api/tenants/:id/secrets', { params: { id } });
        const { requests } = await client.request('GET /api/tenants/:id/secret-requests', { params: { id } });
        print(
          options,
          { secrets: list, requests },
          [
            list.length ? list.map((s) => `${s.name}\tset ${s.updatedAt}`).join('\n') : 'No secrets.',
            ...requests.map((r) => `${r.name}\tNOT SET, asked for by the agent: ${r.reason}`),
          ].join('\n'),
        );
      } else if (action === 'set') {
        if (!name) usage('Usage: tessera secrets <id> set <NAME> [--value <v>]');
        const value = text(options.value) ?? (await readStdin(`Value of ${name} (then Enter and Ctrl-D): `)).replace(/\r?\n$/, '');
        await client.request('PUT /api/tenants/:id/secrets/:name', { params: { id, name }, body: { value } });
        print(options, { ok: true, name }, `Set ${name} for ${id}.`);
      } else if (action === 'delete') {
        if (!name) usage('Usage: tessera secrets <id> delete <NAME>');
        await client.request('DELETE /api/tenants/:id/secrets/:name', { params: { id, name } });
        print(options, { ok: true, name }, `Deleted ${name} of ${id}.`);
      } else usage(`Unknown "secrets ${action}".`);
    });
}
