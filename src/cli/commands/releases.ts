import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('releases [id]', 'list releases')
    .usage('releases <id>')
    .action(async (id: string | undefined, options: GlobalOptions) => {
      if (!id) usage('Usage: tessera releases <id>');
      const answer = await connect(options).request('GET /api/tenants/:id/releases', { params: { id } });
      print(
        options,
        answer,
        answer.releases.length ? answer.releases.map((r) => `${r.version}\t${r.commit.slice(0, 10)}\t${r.createdAt}`).join('\n') : 'No releases yet.',
      );
    });
}
