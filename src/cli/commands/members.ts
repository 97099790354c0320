import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('members [id] [action] [who] [role]', 'who is on an app, with their roles; invite, change or remove members')
    .usage('members <id> | members <id> add <user|email> <owner|editor|viewer> [--direct] | members <id> remove <user|email>')
    .option('--direct', 'admins: add an existing account at once instead of inviting')
    .example('tessera members notes add ada@example.com editor')
    .action(
      async (
        id: string | undefined,
        action: string | undefined,
        who: string | undefined,
        role: string | undefined,
        options: GlobalOptions & { direct?: boolean },
      ) => {
        if (!id) usage('Usage: tessera members <id> [add <user|email> <role> | remove <user>]');
        const client = connect(options);
        if (action === undefined || action === 'list') {
          const answer = await client.request('GET /api/tenants/:id/members', { params: { id } });
          const lines = answer.members.map((m) => `${m.userId}\t${m.role}\t${m.name}${m.email ? ` <${m.email}>` : ''}`);
          for (const i of answer.invitations ?? []) lines.push(`${i.invitee}\t${i.role}\t(invited, no answer yet)`);
          print(options, answer, lines.join('\n') || 'No members.');
        } else if (action === 'add' || action === 'set') {
          if (!who || !role) usage('Usage: tessera members <id> add <user|email> <owner|editor|viewer> [--direct]');
          const answer = await client.request('PUT /api/tenants/:id/members/:who', {
            params: { id, who: String(who) },
            body: { role, ...(options.direct ? { direct: true } : {}) },
          });
          print(
            options,
            answer,
            answer.invited
              ? `Invited ${answer.invited} as ${answer.role} of ${id}: they join when they accept (\`tessera invitations\`, or in the builder).`
              : `${answer.userId} is ${answer.role} of ${id}.`,
          );
        } else if (action === 'remove') {
          if (!who) usage('Usage: tessera members <id> remove <user|email>');
          await client.request('DELETE /api/tenants/:id/members/:who', { params: { id, who: String(who) } });
          print(options, { ok: true }, `Removed ${who} from ${id}.`);
        } else usage(`Unknown "members ${action}".`);
      },
    );
}
