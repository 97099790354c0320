import type { CAC } from 'cac';
import { CliError, connect, print, readArgFile, usage, type GlobalOptions } from '../context.ts';

/** Runs one tool as the agent would and prints its result; a refusal is an error with its code. */
export async function runTool(options: GlobalOptions, id: string | undefined, name: string, args: unknown): Promise<void> {
  if (!id) usage('Missing app id.');
  const answer = await connect(options).tool(id, name, args);
  if (!answer.ok) throw new CliError(`${answer.error.code}: ${answer.error.message}`);
  print(options, answer, `${name}: ok\n${JSON.stringify(answer.result, null, 2)}`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what}: ${(err as Error).message}`);
  }
}

export function register(cli: CAC): void {
  cli
    .command('tool [id] [tool] [args]', 'any tool with raw JSON arguments')
    .usage('tool <id> <tool> <json | @file.json>')
    .example(`tessera tool notes queryDatabase '{"sql": "SELECT * FROM notes"}'`)
    .action(async (id: string | undefined, name: string | undefined, raw: string | undefined, options: GlobalOptions) => {
      if (!name || raw === undefined) usage('Usage: tessera tool <id> <tool> <json | @file.json>');
      const source = raw.startsWith('@') ? readArgFile(raw.slice(1), 'arguments file') : raw;
      await runTool(options, id, name, parseJson(source, 'Tool arguments are not valid JSON'));
    });

  cli
    .command('schema [id] [file]', "updateDatabaseSchema with the file's SQL")
    .usage('schema <id> <file.sql>')
    .action((id: string | undefined, file: string | undefined, options: GlobalOptions) =>
      runTool(options, id, 'updateDatabaseSchema', { sql: readArgFile(file, 'SQL file') }),
    );

  cli
    .command('function [id] [name] [file]', 'createBackendFunction')
    .usage('function <id> <name> <file.js> [--access public|user|admin]')
    .option('--access <who>', 'who may call it: public, user (signed-in app users) or admin; default: as it was (public for a new one)')
    .action((id: string | undefined, name: string | undefined, file: string | undefined, options: GlobalOptions & { access?: string }) =>
      runTool(options, id, 'createBackendFunction', {
        name,
        code: readArgFile(file, 'function file'),
        ...(options.access === undefined ? {} : { access: options.access }),
      }),
    );

  cli
    .command('component [id] [name] [file]', 'createFrontendComponent')
    .usage('component <id> <Name> <file.tsx>')
    .action((id: string | undefined, name: string | undefined, file: string | undefined, options: GlobalOptions) =>
      runTool(options, id, 'createFrontendComponent', { name, code: readArgFile(file, 'component file') }),
    );

  cli
    .command('layout [id] [file]', 'updateUILayout with the blueprint in the file')
    .usage('layout <id> <blueprint.json>')
    .action((id: string | undefined, file: string | undefined, options: GlobalOptions) =>
      runTool(options, id, 'updateUILayout', { blueprint: parseJson(readArgFile(file, 'blueprint file'), `Blueprint file "${file}" is not valid JSON`) }),
    );

  cli
    .command('tools', 'list tools and their JSON Schemas')
    .action(async (options: GlobalOptions) => print(options, await connect(options).request('GET /api/tools')));
}
