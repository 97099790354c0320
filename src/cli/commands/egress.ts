import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('egress [id] [action] [...hosts]', "the hosts the app's functions may call, and pending proposals; allow or deny hosts")
    .usage('egress <id> | egress <id> allow <host>... | egress <id> deny <host>...')
    .example('tessera egress notes allow api.example.com')
    .action(async (id: string | undefined, action: string | undefined, hosts: string[], options: GlobalOptions) => {
      if (!id) usage('Usage: tessera egress <id> [allow <host>... | deny <host>...]');
      const client = connect(options);
      let state = await client.request('GET /api/tenants/:id/egress', { params: { id } });
      if (action === 'allow' || action === 'deny') {
        if (!hosts.length) usage(`Usage: tessera egress <id> ${action} <host>...`);
        const wanted = hosts.map((h) => String(h).toLowerCase());
        if (action === 'allow')
          state = await client.request('PUT /api/tenants/:id/egress', { params: { id }, body: { allow: [...new Set([...state.allow, ...wanted])] } });
        else {
          state = await client.request('PUT /api/tenants/:id/egress', { params: { id }, body: { allow: state.allow.filter((h) => !wanted.includes(h)) } });
          for (const host of wanted.filter((h) => state.pending.some((p) => p.host === h)))
            state = await client.request('DELETE /api/tenants/:id/egress/proposals/:host', { params: { id, host } });
        }
      } else if (action !== undefined && action !== 'list') usage(`Unknown "egress ${action}".`);
      print(
        options,
        state,
        `allowed: ${state.allow.join(', ') || 'nothing (no outbound requests)'}${state.pending.map((p) => `\npending: ${p.host} (${p.reason})  -> tessera egress ${id} allow ${p.host}`).join('')}`,
      );
    });
}
