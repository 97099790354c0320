import { cac } from 'cac';
import { register as agent } from './commands/agent.ts';
import { register as audit } from './commands/audit.ts';
import { register as backup } from './commands/backup.ts';
import { register as deploy } from './commands/deploy.ts';
import { register as deployments } from './commands/deployments.ts';
import { register as diff } from './commands/diff.ts';
import { register as egress } from './commands/egress.ts';
import { register as exportCommand } from './commands/export.ts';
import { register as invitations } from './commands/invitations.ts';
import { register as login } from './commands/login.ts';
import { register as logs } from './commands/logs.ts';
import { register as members } from './commands/members.ts';
import { register as release } from './commands/release.ts';
import { register as releases } from './commands/releases.ts';
import { register as restore } from './commands/restore.ts';
import { register as rollback } from './commands/rollback.ts';
import { register as secrets } from './commands/secrets.ts';
import { register as previewLink } from './commands/preview-link.ts';
import { register as snapshot } from './commands/snapshot.ts';
import { register as snapshots } from './commands/snapshots.ts';
import { register as start } from './commands/start.ts';
import { register as tenants } from './commands/tenants.ts';
import { register as tools } from './commands/tool.ts';
import { register as users } from './commands/users.ts';
import { describeError, usage } from './context.ts';
import { HELP } from './help.ts';

/** The `tessera` command: one file per command under commands/, parsed by cac (each has `--help`). */
async function main(argv: string[]): Promise<void> {
  const cli = cac('tessera');
  cli.option('--url <url>', 'server to talk to (default: TESSERA_URL or http://localhost:PORT)');
  cli.option('--token <t>', 'credential to send (default: TESSERA_TOKEN, else the one `tessera login` saved)');
  cli.option('--json', 'print raw JSON answers');
  for (const register of [
    start,
    tenants,
    tools,
    agent,
    logs,
    release,
    releases,
    diff,
    deploy,
    rollback,
    deployments,
    snapshots,
    previewLink,
    snapshot,
    restore,
    secrets,
    egress,
    exportCommand,
    members,
    invitations,
    users,
    audit,
    backup,
    login,
  ])
    register(cli);
  cli.help();

  const named = argv.some((arg) => cli.commands.some((command) => command.name === arg));
  const asksHelp = argv.includes('--help') || argv.includes('-h');
  // The whole page for `tessera` and `tessera --help`, not cac's summary: it is the reference the README quotes.
  if ((asksHelp && !named) || argv.length === 0) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const parsed = cli.parse(['node', 'tessera', ...argv], { run: false });
  if (asksHelp) return; // cac printed the command's help
  if (!cli.matchedCommand && parsed.args[0] === undefined) return void process.stdout.write(`${HELP}\n`);
  if (!cli.matchedCommand) usage(`Unknown command "${parsed.args[0]}".`);
  await cli.runMatchedCommand();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`tessera: ${describeError(err)}\n`);
  process.exitCode = 1;
});
