import type { CAC } from 'cac';
import { connect, print, readStdin, text, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('users [action] [id]', 'list, add, link or delete users (admins)')
    .usage('users | users add <id> [--email <e>] [--name <n>] [--admin] [--password] | users link <id> | users delete <id>')
    .option('--email <e>', "the new user's email")
    .option('--name <n>', "the new user's name")
    .option('--admin', 'make the new user an administrator')
    .option('--password', 'read a password for the new user from stdin')
    .example('tessera users add ada --email ada@example.com')
    .action(
      async (
        action: string | undefined,
        id: string | undefined,
        options: GlobalOptions & { email?: unknown; name?: unknown; admin?: boolean; password?: boolean },
      ) => {
        const client = connect(options);
        if (action === undefined || action === 'list') {
          const { users } = await client.request('GET /api/users');
          print(
            options,
            { users },
            users
              .map(
                (u) =>
                  `${u.id}\t${u.name}${u.email ? ` <${u.email}>` : ''}${u.admin ? '\tadmin' : ''}\t${u.projects.map((p) => `${p.tenant}:${p.role}`).join(' ')}`,
              )
              .join('\n'),
          );
        } else if (action === 'add') {
          if (!id) usage('Usage: tessera users add <id> [--email <e>] [--name <n>] [--admin] [--password]');
          const password = options.password ? (await readStdin(`Password for ${id} (then Enter and Ctrl-D): `)).replace(/\r?\n$/, '') : undefined;
          const name = text(options.name);
          const email = text(options.email);
          const answer = await client.request('POST /api/users', {
            body: {
              id: String(id),
              ...(name !== undefined ? { name } : {}),
              ...(email !== undefined ? { email } : {}),
              admin: options.admin === true,
              ...(password !== undefined ? { password } : {}),
            },
          });
          print(options, answer, `Created ${answer.user.id}. One-time sign-in link (valid for a day):\n${answer.signInUrl}`);
        } else if (action === 'link') {
          if (!id) usage('Usage: tessera users link <id>');
          const answer = await client.request('POST /api/users/:id/sign-in-link', { params: { id: String(id) }, body: {} });
          print(options, answer, answer.signInUrl);
        } else if (action === 'delete') {
          if (!id) usage('Usage: tessera users delete <id>');
          await client.request('DELETE /api/users/:id', { params: { id: String(id) } });
          print(options, { ok: true }, `Deleted ${id}.`);
        } else usage(`Unknown "users ${action}".`);
      },
    );
}
