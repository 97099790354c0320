import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('preview-link [id]', "a shareable link to an app's draft preview (owners)")
    .usage('preview-link <id> [--expires-in <seconds>]')
    .option('--expires-in <seconds>', 'how long the link works (60 to 2592000 = 30 days; default one day)')
    .example('tessera preview-link notes --expires-in 3600')
    .action(async (id: string | undefined, options: GlobalOptions & { expiresIn?: unknown }) => {
      if (!id) usage('Usage: tessera preview-link <id> [--expires-in <seconds>]');
      let expiresIn: number | undefined;
      if (options.expiresIn !== undefined) {
        expiresIn = Number(options.expiresIn);
        if (!Number.isInteger(expiresIn)) usage(`--expires-in takes whole seconds, not ${JSON.stringify(String(options.expiresIn))}.`);
      }
      const link = await connect(options).request('POST /api/tenants/:id/preview-links', {
        params: { id },
        body: expiresIn === undefined ? {} : { expiresIn },
      });
      print(options, link, `${link.url}\nAnyone with this link sees the draft of ${id} (unreleased code and its test data) until ${link.expiresAt}.`);
    });
}
