import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../config.ts';
import { formatLogRecord, jsonForTerminal, type ShownLogRecord } from './log-text.ts';
import { readServerEvents } from './sse.ts';

const HELP = `tessera: build and run apps from the command line

Usage:
  tessera start                                   run the platform (same as npm start)
  tessera tenants list                            list apps
  tessera tenants create <id>                     create an app (id: a DNS label, e.g. notes)
  tessera tenants get <id>                        show an app's components, functions, routes
  tessera tenants delete <id>                     delete an app and its data
  tessera schema <id> <file.sql>                  updateDatabaseSchema with the file's SQL
  tessera function <id> <name> <file.js>          createBackendFunction
  tessera component <id> <Name> <file.tsx>        createFrontendComponent
  tessera layout <id> <blueprint.json>            updateUILayout
  tessera tool <id> <tool> <json | @file.json>    any tool with raw JSON arguments
  tessera tools                                   list tools and their JSON Schemas
  tessera agent <id> <prompt...>                  let the agent build; shows each step live
  tessera agent <id> --cancel                     cancel the app's running agent
  tessera logs <id> <function> [--follow]         a function's logs (and new ones as they come)
  tessera release <id> <version> [--notes "..."]  snapshot the app's current commit as a release
  tessera releases <id>                           list releases
  tessera diff <id> <from> <to>                   what changed between two releases
  tessera deploy <id> <version>                   make a release live (atomic)
  tessera rollback <id> [<version>]               deploy the release live before the current one (or <version>)
  tessera deployments <id>                        which release is live, and the deployment history
  tessera secrets <id>                            list an app's secrets (names only) and the ones the agent asked for
  tessera secrets <id> set <NAME> [--value <v>]   set one (the value is read from stdin without --value)
  tessera secrets <id> delete <NAME>              delete one
  tessera egress <id>                             the hosts the app's functions may call, and pending proposals
  tessera egress <id> allow <host>...             add hosts (approves the agent's proposals for them)
  tessera egress <id> deny <host>...              remove hosts (or dismiss proposals)
  tessera export fission <id> <version> --out <dir> [--data-url <url>] [--namespace <ns>]
          [--executor poolmgr|newdeploy] [--min-scale N] [--max-scale N] [--pool-size N]
          [--image <image>] [--runtime-class <name>] [--routing host|prefix] [--canary-from <version> --weight N]
                                                  fission spec files, archives and Secret of a release
  tessera export fission-read-path --out <dir> [--database-url <url>] [--namespace <ns>] [--deploy-token <t>]
                                                  the platform's read path (mfe-registry, sdui-config, releases) for Fission

  tessera members <id>                            who is on an app, with their roles
  tessera members <id> add <user|email> <role> [--direct]
                                                  invite someone (they join when they accept) or change a
                                                  member's role (owner, editor, viewer); --direct: admins add
                                                  an existing account at once
  tessera members <id> remove <user|email>        remove a member, or withdraw an invitation
  tessera invitations                             your invitations to projects, waiting for an answer
  tessera invitations accept|decline <id>         answer one (accepting adds the project to your list)
  tessera users                                   list users (admins)
  tessera users add <id> [--email <e>] [--name <n>] [--admin] [--password]
                                                  create a user (admins); prints a one-time sign-in link;
                                                  --password reads a password from stdin
  tessera users link <id>                         a new one-time sign-in link for a user (admins)
  tessera users delete <id>                       delete a user; their sessions and tokens stop at once (admins)
  tessera audit [<id>] [--limit N]                the audit log of an app (owners) or of everything (admins)

  tessera login [--token <t>]                     save an API token for this server (read from stdin without --token)

Options:
  --url <url>   server to talk to (default: TESSERA_URL or http://localhost:PORT)
  --token <t>   credential to send (default: TESSERA_TOKEN, else the one \`tessera login\` saved)
  --json        print raw JSON answers
  -h, --help    this help`;

class CliError extends Error {}

function usage(message: string): never {
  throw new CliError(`${message}\n\nRun "tessera --help" for usage.`);
}

function readArgFile(file: string | undefined, what: string): string {
  if (!file) usage(`Missing ${what}.`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${what} "${file}": ${(err as Error).message}`);
  }
}

/** Where `tessera login` keeps tokens, per server URL, readable by the user only. */
function credentialsFile(): string {
  return path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'tessera', 'credentials.json');
}

function savedTokens(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function saveToken(base: string, token: string): void {
  const file = credentialsFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ ...savedTokens(), [base]: token }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The credential for every request of this run (set in main). */
let authorization: Record<string, string> = {};

async function call(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`Cannot reach Tessera at ${base} (${(err as Error).message}). Start it with "npm start" or pass --url.`);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  const json = text ? (JSON.parse(text) as { ok?: boolean; error?: { code: string; message: string } }) : null;
  if (!res.ok || json?.ok === false) throw new CliError(`${json?.error?.code ?? res.status}: ${json?.error?.message ?? text}`);
  return json;
}

function summarize(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Streams an agent run to the terminal; Ctrl-C cancels the run on the server. Returns the exit code. */
async function runAgentCommand(base: string, id: string, prompt: string, json: boolean): Promise<number> {
  let res: Response;
  try {
    res = await fetch(`${base}/api/tenants/${encodeURIComponent(id)}/agent`, { method: 'POST', headers: { ...authorization, 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) });
  } catch (err) {
    throw new CliError(`Cannot reach Tessera at ${base} (${(err as Error).message}).`);
  }
  if (!res.ok || !res.body) {
    const answer = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new CliError(`${answer?.error?.code ?? res.status}: ${answer?.error?.message ?? res.statusText}`);
  }
  const onInterrupt = (): void => {
    process.stderr.write('\nCancelling the run…\n');
    void fetch(`${base}/api/tenants/${encodeURIComponent(id)}/agent/cancel`, { method: 'POST', headers: { ...authorization, 'content-type': 'application/json' }, body: '{}' });
  };
  process.on('SIGINT', onInterrupt);
  const out = (text: string): boolean => process.stdout.write(text);
  let reason = 'error';
  let inText = false;
  try {
    for await (const { event, data } of readServerEvents(res.body)) {
      const e = JSON.parse(data) as Record<string, any>;
      if (json) {
        out(`${data}\n`);
      } else {
        if (event !== 'text' && inText) {
          out('\n');
          inText = false;
        }
        if (event === 'run_started') out(`Agent run ${e.runId} (${e.model})\n`);
        else if (event === 'step') out(`\n── step ${e.step}\n`);
        else if (event === 'text') {
          out(e.delta);
          inText = true;
        } else if (event === 'tool_call') out(`→ ${e.name} ${summarize(e.arguments)}\n`);
        else if (event === 'tool_result') out(e.ok ? `  ✓ ${e.name} (${e.ms} ms) ${summarize(e.result, 120)}\n` : `  ✗ ${e.name} ${e.error.code}: ${summarize(e.error.message, 400)}\n`);
        else if (event === 'usage') out(`  tokens: ${e.usage.promptTokens} in, ${e.usage.completionTokens} out\n`);
        else if (event === 'error') out(`Error ${e.error.code}: ${e.error.message}\n`);
      }
      if (event === 'done') {
        reason = e.reason;
        if (!json) out(`\nDone: ${e.reason} after ${e.steps} step(s), ${e.usage.promptTokens} + ${e.usage.completionTokens} tokens.${e.message ? ` ${e.message}` : ''}\n`);
      }
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return reason === 'answered' ? 0 : 1;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
    url: { type: 'string' }, json: { type: 'boolean' }, cancel: { type: 'boolean' }, follow: { type: 'boolean', short: 'f' }, notes: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    out: { type: 'string' }, 'data-url': { type: 'string' }, namespace: { type: 'string' }, executor: { type: 'string' }, 'min-scale': { type: 'string' }, 'max-scale': { type: 'string' },
    'pool-size': { type: 'string' }, image: { type: 'string' }, 'runtime-class': { type: 'string' }, routing: { type: 'string' }, 'canary-from': { type: 'string' }, weight: { type: 'string' },
    'database-url': { type: 'string' }, 'deploy-token': { type: 'string' }, value: { type: 'string' }, token: { type: 'string' },
    email: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' }, password: { type: 'boolean' }, limit: { type: 'string' }, direct: { type: 'boolean' },
  } });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (command === 'start') {
    await import('../main.ts');
    return;
  }
  const config = resolveConfig();
  const base = (values.url ?? config.serverUrl).replace(/\/$/, '');
  const token = values.token ?? config.adminToken ?? savedTokens()[base];
  if (token) authorization = { authorization: `Bearer ${token}` };
  const print = (value: unknown, human?: string): void => {
    process.stdout.write(`${values.json || human === undefined ? JSON.stringify(value, null, 2) : human}\n`);
  };
  const tool = async (id: string | undefined, name: string, args: unknown): Promise<void> => {
    if (!id) usage('Missing app id.');
    const answer = (await call(base, 'POST', `/api/tenants/${encodeURIComponent(id)}/tools/${name}`, args)) as { result: unknown };
    print(answer, `${name}: ok\n${JSON.stringify(answer.result, null, 2)}`);
  };

  switch (command) {
    case 'tenants': {
      const [sub, id] = rest;
      if (sub === 'list' || sub === undefined) {
        const answer = (await call(base, 'GET', '/api/tenants')) as { tenants: Array<{ id: string; url: string }> };
        print(answer, answer.tenants.length ? answer.tenants.map((t) => `${t.id}\t${t.url}`).join('\n') : 'No apps yet.');
      } else if (sub === 'create') {
        const answer = (await call(base, 'POST', '/api/tenants', { id })) as { id: string; url: string };
        print(answer, `Created ${answer.id}: ${answer.url}`);
      } else if (sub === 'get') {
        if (!id) usage('Missing app id.');
        print(await call(base, 'GET', `/api/tenants/${encodeURIComponent(id)}`));
      } else if (sub === 'delete') {
        if (!id) usage('Missing app id.');
        await call(base, 'DELETE', `/api/tenants/${encodeURIComponent(id)}`);
        print({ deleted: id }, `Deleted ${id}`);
      } else usage(`Unknown "tenants ${sub}".`);
      return;
    }
    case 'agent': {
      const [id, ...words] = rest;
      if (!id) usage('Missing app id.');
      if (values.cancel) {
        print(await call(base, 'POST', `/api/tenants/${encodeURIComponent(id)}/agent/cancel`, {}));
        return;
      }
      if (words.length === 0) usage('Missing prompt: tessera agent <id> "Build a notes app"');
      process.exitCode = await runAgentCommand(base, id, words.join(' '), Boolean(values.json));
      return;
    }
    case 'logs': {
      const [id, fn] = rest;
      if (!id || !fn) usage('Usage: tessera logs <id> <function> [--follow]');
      const path = `/api/tenants/${encodeURIComponent(id)}/functions/${encodeURIComponent(fn)}/logs`;
      // The function's text is escaped as it is shown (log-text.ts), as text or as JSON.
      const line = (r: ShownLogRecord): string => (values.json ? jsonForTerminal(r) : formatLogRecord(r));
      if (!values.follow) {
        const answer = (await call(base, 'GET', path)) as { logs: Array<Parameters<typeof line>[0]> };
        process.stdout.write(answer.logs.map((r) => `${line(r)}\n`).join(''));
        return;
      }
      const res = await fetch(`${base}${path}?follow=1`, { headers: authorization }).catch((err: Error) => {
        throw new CliError(`Cannot reach Tessera at ${base} (${err.message}).`);
      });
      if (!res.ok || !res.body) throw new CliError(`${res.status}: ${await res.text()}`);
      for await (const { data } of readServerEvents(res.body)) process.stdout.write(`${line(JSON.parse(data))}\n`);
      return;
    }
    case 'release': {
      const [id, version] = rest;
      if (!id || !version) usage('Usage: tessera release <id> <version> [--notes "..."]');
      const snapshot = (await call(base, 'POST', `/api/tenants/${encodeURIComponent(id)}/releases`, { version, notes: values.notes ?? '' })) as { version: string; commit: string; components: object; functions: object };
      print(snapshot, `Released ${id} ${snapshot.version}: commit ${snapshot.commit.slice(0, 10)}, ${Object.keys(snapshot.components).length} components, ${Object.keys(snapshot.functions).length} functions`);
      return;
    }
    case 'releases': {
      const [id] = rest;
      if (!id) usage('Usage: tessera releases <id>');
      const answer = (await call(base, 'GET', `/api/tenants/${encodeURIComponent(id)}/releases`)) as { releases: Array<{ version: string; commit: string; createdAt: string }> };
      print(answer, answer.releases.length ? answer.releases.map((r) => `${r.version}\t${r.commit.slice(0, 10)}\t${r.createdAt}`).join('\n') : 'No releases yet.');
      return;
    }
    case 'diff': {
      const [id, from, to] = rest;
      if (!id || !from || !to) usage('Usage: tessera diff <id> <from> <to>');
      const d = (await call(base, 'GET', `/api/tenants/${encodeURIComponent(id)}/releases/${encodeURIComponent(from)}/diff/${encodeURIComponent(to)}`)) as {
        components: Record<string, string[]>;
        functions: Record<string, string[]>;
        blueprintChanged: boolean;
        patch: string;
      };
      const part = (label: string, x: Record<string, string[]>) => `${label}: +${x.added!.join(', ') || '-'}  ~${x.changed!.join(', ') || '-'}  -${x.removed!.join(', ') || '-'}`;
      print(d, `${part('components', d.components)}\n${part('functions', d.functions)}\nblueprint: ${d.blueprintChanged ? 'changed' : 'same'}\n\n${d.patch}`);
      return;
    }
    case 'deploy':
    case 'rollback': {
      const [id, wanted] = rest;
      if (!id || (command === 'deploy' && !wanted)) usage(`Usage: tessera ${command} <id> ${command === 'deploy' ? '<version>' : '[<version>]'}`);
      let version = wanted;
      if (!version) {
        const history = (await call(base, 'GET', `/api/tenants/${encodeURIComponent(id)}/deployments`)) as { live: string | null; deployments: Array<{ version: string; previousVersion: string | null }> };
        version = history.deployments.at(-1)?.previousVersion ?? undefined;
        if (!version) throw new CliError(`Nothing to roll back to: ${history.live ? `${history.live} is the first release deployed` : 'nothing is live yet'}.`);
      }
      const result = (await call(base, 'POST', `/api/tenants/${encodeURIComponent(id)}/releases/${encodeURIComponent(version)}/deploy`, {})) as { version: string; previous: string | null; url: string; warnings: string[] };
      print(result, `${id} ${result.version} is live at ${result.url}${result.previous ? ` (was ${result.previous})` : ''}${result.warnings.map((w) => `\nwarning: ${w}`).join('')}`);
      return;
    }
    case 'deployments': {
      const [id] = rest;
      if (!id) usage('Usage: tessera deployments <id>');
      const history = (await call(base, 'GET', `/api/tenants/${encodeURIComponent(id)}/deployments`)) as { live: string | null; deployments: Array<{ version: string; previousVersion: string | null; deployedAt: string; deployedBy: string }> };
      print(history, `live: ${history.live ?? 'nothing yet'}\n${history.deployments.map((d) => `${d.deployedAt}  ${d.previousVersion ?? '-'} -> ${d.version}  (${d.deployedBy})`).join('\n')}`);
      return;
    }
    case 'login': {
      let given = values.token;
      if (!given) {
        if (process.stdin.isTTY) process.stderr.write(`API token for ${base} (create one in the builder, account menu; then Enter and Ctrl-D): `);
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        given = Buffer.concat(chunks).toString('utf8').trim();
      }
      authorization = { authorization: `Bearer ${given}` };
      const me = (await call(base, 'GET', '/api/me')) as { name: string };
      saveToken(base, given);
      print({ ok: true, user: me.name, file: credentialsFile() }, `Signed in to ${base} as ${me.name}; the token is saved in ${credentialsFile()}.`);
      return;
    }
    case 'secrets': {
      const [id, sub, name] = rest;
      if (!id) usage('Usage: tessera secrets <id> [set <NAME> | delete <NAME>]');
      const prefix = `/api/tenants/${encodeURIComponent(id)}`;
      if (sub === undefined || sub === 'list') {
        const list = (await call(base, 'GET', `${prefix}/secrets`)) as Array<{ name: string; updatedAt: string }>;
        const { requests } = (await call(base, 'GET', `${prefix}/secret-requests`)) as { requests: Array<{ name: string; reason: string }> };
        print({ secrets: list, requests }, [list.length ? list.map((s) => `${s.name}\tset ${s.updatedAt}`).join('\n') : 'No secrets.', ...requests.map((r) => `${r.name}\tNOT SET, asked for by the agent: ${r.reason}`)].join('\n'));
      } else if (sub === 'set') {
        if (!name) usage('Usage: tessera secrets <id> set <NAME> [--value <v>]');
        let value = values.value;
        if (value === undefined) {
          if (process.stdin.isTTY) process.stderr.write(`Value of ${name} (then Enter and Ctrl-D): `);
          const chunks: Buffer[] = [];
          for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
          value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
        }
        await call(base, 'PUT', `${prefix}/secrets/${encodeURIComponent(name)}`, { value });
        print({ ok: true, name }, `Set ${name} for ${id}.`);
      } else if (sub === 'delete') {
        if (!name) usage('Usage: tessera secrets <id> delete <NAME>');
        await call(base, 'DELETE', `${prefix}/secrets/${encodeURIComponent(name)}`);
        print({ ok: true, name }, `Deleted ${name} of ${id}.`);
      } else usage(`Unknown "secrets ${sub}".`);
      return;
    }
    case 'members': {
      const [id, sub, who, role] = rest;
      if (!id) usage('Usage: tessera members <id> [add <user|email> <role> | remove <user>]');
      const route = `/api/tenants/${encodeURIComponent(id)}/members`;
      if (sub === undefined || sub === 'list') {
        const answer = (await call(base, 'GET', route)) as { members: Array<{ userId: string; name: string; email: string | null; role: string }>; invitations?: Array<{ invitee: string; role: string }> };
        const lines = answer.members.map((m) => `${m.userId}\t${m.role}\t${m.name}${m.email ? ` <${m.email}>` : ''}`);
        for (const i of answer.invitations ?? []) lines.push(`${i.invitee}\t${i.role}\t(invited, no answer yet)`);
        print(answer, lines.join('\n') || 'No members.');
      } else if (sub === 'add' || sub === 'set') {
        if (!who || !role) usage('Usage: tessera members <id> add <user|email> <owner|editor|viewer> [--direct]');
        const answer = (await call(base, 'PUT', `${route}/${encodeURIComponent(who)}`, { role, ...(values.direct ? { direct: true } : {}) })) as { userId?: string; invited?: string; role: string };
        print(answer, answer.invited ? `Invited ${answer.invited} as ${answer.role} of ${id}: they join when they accept (\`tessera invitations\`, or in the builder).` : `${answer.userId} is ${answer.role} of ${id}.`);
      } else if (sub === 'remove') {
        if (!who) usage('Usage: tessera members <id> remove <user|email>');
        await call(base, 'DELETE', `${route}/${encodeURIComponent(who)}`);
        print({ ok: true }, `Removed ${who} from ${id}.`);
      } else usage(`Unknown "members ${sub}".`);
      return;
    }
    case 'invitations': {
      const [sub, invitation] = rest;
      if (sub === undefined || sub === 'list') {
        const { invitations } = (await call(base, 'GET', '/api/invitations')) as { invitations: Array<{ id: string; tenant: string; role: string; invitedBy: string }> };
        print({ invitations }, invitations.map((i) => `${i.id}\t${i.tenant}\t${i.role}\tfrom ${i.invitedBy}`).join('\n') || 'No invitations waiting.');
      } else if (sub === 'accept' || sub === 'decline') {
        if (!invitation) usage(`Usage: tessera invitations ${sub} <id>`);
        const answer = (await call(base, 'POST', `/api/invitations/${encodeURIComponent(invitation)}/${sub}`, {})) as { tenant: string; role: string };
        print(answer, sub === 'accept' ? `You are ${answer.role} of ${answer.tenant}.` : `Declined the invitation to ${answer.tenant}.`);
      } else usage(`Unknown "invitations ${sub}".`);
      return;
    }
    case 'users': {
      const [sub, id] = rest;
      type User = { id: string; name: string; email: string | null; admin: boolean; projects: Array<{ tenant: string; role: string }> };
      if (sub === undefined || sub === 'list') {
        const { users } = (await call(base, 'GET', '/api/users')) as { users: User[] };
        print({ users }, users.map((u) => `${u.id}\t${u.name}${u.email ? ` <${u.email}>` : ''}${u.admin ? '\tadmin' : ''}\t${u.projects.map((p) => `${p.tenant}:${p.role}`).join(' ')}`).join('\n'));
      } else if (sub === 'add') {
        if (!id) usage('Usage: tessera users add <id> [--email <e>] [--name <n>] [--admin] [--password]');
        let password: string | undefined;
        if (values.password) {
          if (process.stdin.isTTY) process.stderr.write(`Password for ${id} (then Enter and Ctrl-D): `);
          const chunks: Buffer[] = [];
          for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
          password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
        }
        const answer = (await call(base, 'POST', '/api/users', { id, name: values.name, email: values.email, admin: values.admin === true, password })) as { user: User; signInUrl: string };
        print(answer, `Created ${answer.user.id}. One-time sign-in link (valid for a day):\n${answer.signInUrl}`);
      } else if (sub === 'link') {
        if (!id) usage('Usage: tessera users link <id>');
        const answer = (await call(base, 'POST', `/api/users/${encodeURIComponent(id)}/sign-in-link`, {})) as { signInUrl: string };
        print(answer, answer.signInUrl);
      } else if (sub === 'delete') {
        if (!id) usage('Usage: tessera users delete <id>');
        await call(base, 'DELETE', `/api/users/${encodeURIComponent(id)}`);
        print({ ok: true }, `Deleted ${id}.`);
      } else usage(`Unknown "users ${sub}".`);
      return;
    }
    case 'audit': {
      const [id] = rest;
      const limit = values.limit ?? '50';
      const route = id ? `/api/tenants/${encodeURIComponent(id)}/audit?limit=${encodeURIComponent(limit)}` : `/api/audit?limit=${encodeURIComponent(limit)}`;
      const { entries } = (await call(base, 'GET', route)) as { entries: Array<{ at: string; actor: string; via: string; tenant: string | null; action: string; target: string; outcome: string }> };
      print({ entries }, entries.map((e) => `${e.at}\t${e.actor} (${e.via})\t${!id && e.tenant ? `${e.tenant}\t` : ''}${e.action}${e.target ? ` ${e.target}` : ''}\t${e.outcome}`).join('\n') || 'Nothing recorded.');
      return;
    }
    case 'egress': {
      const [id, sub, ...hosts] = rest;
      if (!id) usage('Usage: tessera egress <id> [allow <host>... | deny <host>...]');
      const route = `/api/tenants/${encodeURIComponent(id)}/egress`;
      type Egress = { allow: string[]; pending: Array<{ host: string; reason: string }> };
      let state = (await call(base, 'GET', route)) as Egress;
      if (sub === 'allow' || sub === 'deny') {
        if (!hosts.length) usage(`Usage: tessera egress <id> ${sub} <host>...`);
        const wanted = hosts.map((h) => h.toLowerCase());
        if (sub === 'allow') state = (await call(base, 'PUT', route, { allow: [...new Set([...state.allow, ...wanted])] })) as Egress;
        else {
          state = (await call(base, 'PUT', route, { allow: state.allow.filter((h) => !wanted.includes(h)) })) as Egress;
          for (const host of wanted.filter((h) => state.pending.some((p) => p.host === h))) state = (await call(base, 'DELETE', `${route}/proposals/${encodeURIComponent(host)}`)) as Egress;
        }
      } else if (sub !== undefined && sub !== 'list') usage(`Unknown "egress ${sub}".`);
      print(state, `allowed: ${state.allow.join(', ') || 'nothing (no outbound requests)'}${state.pending.map((p) => `\npending: ${p.host} (${p.reason})  -> tessera egress ${id} allow ${p.host}`).join('')}`);
      return;
    }
    case 'export': {
      const [target, id, version] = rest;
      if (!values.out) usage('Missing --out <dir>: where to write the export.');
      const integer = (flag: 'min-scale' | 'max-scale' | 'pool-size' | 'weight'): number | undefined => {
        const raw = values[flag];
        if (raw === undefined) return undefined;
        if (!/^\d+$/.test(raw)) usage(`--${flag} must be a whole number, not "${raw}".`);
        return Number(raw);
      };
      let answer: { files: Array<{ path: string; content: string; secret?: boolean }>; names?: unknown };
      if (target === 'fission') {
        if (!id || !version) usage('Usage: tessera export fission <id> <version> --out <dir> [--data-url <url>]');
        if ((values['canary-from'] === undefined) !== (values.weight === undefined)) usage('--canary-from and --weight go together.');
        const options = {
          dataUrl: values['data-url'], namespace: values.namespace, executor: values.executor, minScale: integer('min-scale'), maxScale: integer('max-scale'),
          poolSize: integer('pool-size'), image: values.image, runtimeClass: values['runtime-class'], routing: values.routing,
          canary: values['canary-from'] === undefined ? undefined : { from: values['canary-from'], weight: integer('weight') },
        };
        answer = (await call(base, 'POST', `/api/tenants/${encodeURIComponent(id)}/releases/${encodeURIComponent(version)}/export/fission`, JSON.parse(JSON.stringify(options)))) as typeof answer;
      } else if (target === 'fission-read-path') {
        const options = { namespace: values.namespace, databaseUrl: values['database-url'], deployToken: values['deploy-token'], image: values.image, poolSize: integer('pool-size'), runtimeClass: values['runtime-class'] };
        answer = (await call(base, 'POST', '/api/export/fission-read-path', JSON.parse(JSON.stringify(options)))) as typeof answer;
      } else {
        usage(`Unknown export target "${target ?? ''}": use "fission" or "fission-read-path".`);
      }
      const { writeExport } = await import('../fission/index.ts');
      const written = await writeExport(values.out, answer.files.map((f) => ({ path: f.path, content: Buffer.from(f.content, 'base64'), ...(f.secret ? { secret: true } : {}) })));
      print(
        { ...answer, files: answer.files.map((f) => f.path) },
        `Wrote ${written.length} files to ${values.out}:\n${answer.files.map((f) => `  ${f.path}${f.secret ? '  (secret, owner-only)' : ''}`).join('\n')}\n\nNext:\n  kubectl apply -f ${values.out}/k8s/\n  fission spec apply --specdir ${values.out}/specs --wait`,
      );
      return;
    }
    case 'tools':
      print(await call(base, 'GET', '/api/tools'));
      return;
    case 'schema':
      return tool(rest[0], 'updateDatabaseSchema', { sql: readArgFile(rest[1], 'SQL file') });
    case 'function':
      return tool(rest[0], 'createBackendFunction', { name: rest[1], code: readArgFile(rest[2], 'function file') });
    case 'component':
      return tool(rest[0], 'createFrontendComponent', { name: rest[1], code: readArgFile(rest[2], 'component file') });
    case 'layout': {
      const text = readArgFile(rest[1], 'blueprint file');
      let blueprint: unknown;
      try {
        blueprint = JSON.parse(text);
      } catch (err) {
        throw new CliError(`Blueprint file "${rest[1]}" is not valid JSON: ${(err as Error).message}`);
      }
      return tool(rest[0], 'updateUILayout', { blueprint });
    }
    case 'tool': {
      const [id, name, raw] = rest;
      if (!name || raw === undefined) usage('Usage: tessera tool <id> <tool> <json | @file.json>');
      const text = raw.startsWith('@') ? readArgFile(raw.slice(1), 'arguments file') : raw;
      let args: unknown;
      try {
        args = JSON.parse(text);
      } catch (err) {
        throw new CliError(`Tool arguments are not valid JSON: ${(err as Error).message}`);
      }
      return tool(id, name, args);
    }
    default:
      usage(`Unknown command "${command}".`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
