import type { CAC } from 'cac';
import { connect, credentialsFile, print, readStdin, saveToken, serverUrl, text, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('login', 'save an API token for this server (read from stdin without --token)')
    .usage('login [--token <t>]')
    .action(async (options: GlobalOptions) => {
      const base = serverUrl(options);
      const given = text(options.token) ?? (await readStdin(`API token for ${base} (create one in the builder, account menu; then Enter and Ctrl-D): `)).trim();
      const me = await connect(options, given).request('GET /api/me');
      saveToken(base, given);
      print(options, { ok: true, user: me.name, file: credentialsFile() }, `Signed in to ${base} as ${me.name}; the token is saved in ${credentialsFile()}.`);
    });
}
