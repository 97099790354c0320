import type { CAC } from 'cac';
import { formatLogRecord, jsonForTerminal, type ShownLogRecord } from '../../../wire/log-text.ts';
import { connect, usage, type GlobalOptions } from '../context.ts';

export function register(cli: CAC): void {
  cli
    .command('logs [id] [function]', "a function's logs (and new ones as they come with --follow)")
    .usage('logs <id> <function> [--follow]')
    .option('-f, --follow', 'keep printing new records as they are written')
    .action(async (id: string | undefined, fn: string | undefined, options: GlobalOptions & { follow?: boolean }) => {
      if (!id || !fn) usage('Usage: tessera logs <id> <function> [--follow]');
      const client = connect(options);
      // The function's text is escaped as it is shown (wire/log-text.ts), as text or as JSON.
      const line = (r: ShownLogRecord): string => (options.json ? jsonForTerminal(r) : formatLogRecord(r));
      if (!options.follow) {
        const answer = await client.request('GET /api/tenants/:id/functions/:name/logs', { params: { id, name: fn } });
        process.stdout.write(answer.logs.map((r) => `${line(r)}\n`).join(''));
        return;
      }
      for await (const record of client.followLogs(id, fn)) process.stdout.write(`${line(record)}\n`);
    });
}
