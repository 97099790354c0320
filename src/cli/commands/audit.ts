import type { CAC } from 'cac';
import { connect, print, text, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('audit [id]', 'the audit log of an app (owners) or of everything (admins)')
    .usage('audit [<id>] [--limit N]')
    .option('--limit <N>', 'how many entries, newest first (default 50)')
    .action(async (id: string | undefined, options: GlobalOptions & { limit?: unknown }) => {
      const client = connect(options);
      const query = { limit: text(options.limit) ?? '50' };
      const { entries } = id
        ? await client.request('GET /api/tenants/:id/audit', { params: { id }, query })
        : await client.request('GET /api/audit', { query });
      print(
        options,
        { entries },
        entries
          .map((e) => `${e.at}\t${e.actor} (${e.via})\t${!id && e.tenant ? `${e.tenant}\t` : ''}${e.action}${e.target ? ` ${e.target}` : ''}\t${e.outcome}`)
          .join('\n') || 'Nothing recorded.',
      );
    });
}
