import type { CAC } from 'cac';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('invitations [action] [invitation]', 'your invitations to projects, waiting for an answer; accept or decline one')
    .usage('invitations | invitations accept <id> | invitations decline <id>')
    .action(async (action: string | undefined, invitation: string | number | undefined, options: GlobalOptions) => {
      const client = connect(options);
      if (action === undefined || action === 'list') {
        const { invitations } = await client.request('GET /api/invitations');
        print(options, { invitations }, invitations.map((i) => `${i.id}\t${i.tenant}\t${i.role}\tfrom ${i.invitedBy}`).join('\n') || 'No invitations waiting.');
      } else if (action === 'accept' || action === 'decline') {
        if (invitation === undefined) usage(`Usage: tessera invitations ${action} <id>`);
        const route = action === 'accept' ? 'POST /api/invitations/:id/accept' : 'POST /api/invitations/:id/decline';
        const answer = await client.request(route, { params: { id: String(invitation) }, body: {} });
        print(options, answer, action === 'accept' ? `You are ${answer.role} of ${answer.tenant}.` : `Declined the invitation to ${answer.tenant}.`);
      } else usage(`Unknown "invitations ${action}".`);
    });
}
