import type { CAC } from 'cac';
import { describeAppCheck, isAppCheckOutcome } from '../../../wire/agent-events.ts';
import type { Client } from '../../../wire/client.ts';
import { connect, plural, print, usage, type GlobalOptions } from '../context.ts';

function summarize(value: unknown, max = 160): string {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

/** Streams an agent run to the terminal; Ctrl-C cancels the run on the server. Returns the exit code. */
async function streamRun(client: Client, id: string, prompt: string, json: boolean): Promise<number> {
  const onInterrupt = (): void => {
    process.stderr.write('\nCancelling the run…\n');
    void client.request('POST /api/tenants/:id/agent/cancel', { params: { id }, body: {} }).catch(() => undefined);
  };
  process.on('SIGINT', onInterrupt);
  const out = (chunk: string): boolean => process.stdout.write(chunk);
  let reason = 'error';
  let inText = false;
  try {
    for await (const e of client.runAgent(id, prompt)) {
      if (json) {
        out(`${JSON.stringify(e)}\n`);
      } else {
        if (e.type !== 'text' && inText) {
          out('\n');
          inText = false;
        }
        if (e.type === 'run_started') out(`Agent run ${e.runId} (${e.model})\n`);
        else if (e.type === 'step') out(`\n── step ${e.step}\n`);
        else if (e.type === 'text') {
          out(e.delta);
          inText = true;
        } else if (e.type === 'tool_call') out(`→ ${e.name} ${summarize(e.arguments)}\n`);
        else if (e.type === 'tool_result' && e.ok && e.name === 'checkApp' && isAppCheckOutcome(e.result)) {
          // The app check, live: what it found, one problem a line.
          const [head, ...problems] = describeAppCheck(e.result);
          out(`  ${e.result.ok ? '✓' : '✗'} ${head} (${e.ms} ms)\n${problems.map((line) => `    - ${summarize(line, 400)}\n`).join('')}`);
        } else if (e.type === 'tool_result')
          out(e.ok ? `  ✓ ${e.name} (${e.ms} ms) ${summarize(e.result, 120)}\n` : `  ✗ ${e.name} ${e.error.code}: ${summarize(e.error.message, 400)}\n`);
        else if (e.type === 'usage') out(`  tokens: ${e.usage.promptTokens} in, ${e.usage.completionTokens} out\n`);
        else if (e.type === 'error') out(`Error ${e.error.code}: ${e.error.message}\n`);
      }
      if (e.type === 'done') {
        reason = e.reason;
        if (!json)
          out(
            `\nDone: ${e.reason} after ${plural(e.steps, 'step')}, ${e.usage.promptTokens} + ${e.usage.completionTokens} tokens.${e.message ? ` ${e.message}` : ''}\n`,
          );
        if (!json && e.appCheck) out(`${describeAppCheck(e.appCheck).join('\n  - ')}\n`);
      }
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return reason === 'answered' ? 0 : 1;
}

export function register(cli: CAC): void {
  cli
    .command('agent [id] [...prompt]', 'let the agent build; shows each step live (Ctrl-C cancels the run)')
    .usage('agent <id> <prompt...> | agent <id> --cancel')
    .option('--cancel', "cancel the app's running agent")
    .example('tessera agent notes "Build a notes app"')
    .action(async (id: string | undefined, words: string[], options: GlobalOptions & { cancel?: boolean }) => {
      if (!id) usage('Missing app id.');
      const client = connect(options);
      if (options.cancel) {
        const answer = await client.request('POST /api/tenants/:id/agent/cancel', { params: { id }, body: {} });
        print(options, answer, answer.cancelled ? `Cancelled the agent run of ${id}.` : `No agent run of ${id} was running.`);
        return;
      }
      if (words.length === 0) usage('Missing prompt: tessera agent <id> "Build a notes app"');
      // The exit code says whether the run answered (0) or stopped otherwise (1).
      process.exitCode = await streamRun(client, id, words.map(String).join(' '), Boolean(options.json));
    });
}
