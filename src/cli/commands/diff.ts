import type { CAC } from 'cac';
import type { NameChanges } from '../../../wire/api.ts';
import { connect, print, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('diff [id] [from] [to]', 'what changed between two releases')
    .usage('diff <id> <from> <to>')
    .action(async (id: string | undefined, from: string | number | undefined, to: string | number | undefined, options: GlobalOptions) => {
      if (!id || from === undefined || to === undefined) usage('Usage: tessera diff <id> <from> <to>');
      const d = await connect(options).request('GET /api/tenants/:id/releases/:from/diff/:to', { params: { id, from: String(from), to: String(to) } });
      // Only the kinds of change there are, in words: "components: added Chart; changed NotesApp".
      const part = (label: string, x: NameChanges) => {
        const changes = (['added', 'changed', 'removed'] as const).filter((kind) => x[kind].length).map((kind) => `${kind} ${x[kind].join(', ')}`);
        return `${label}: ${changes.join('; ') || 'no change'}`;
      };
      print(
        options,
        d,
        `${part('components', d.components)}\n${part('functions', d.functions)}\nblueprint: ${d.blueprintChanged ? 'changed' : 'no change'}\n\n${d.patch}`,
      );
    });
}
