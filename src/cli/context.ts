import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, createClient, UnreachableError, type Client } from '../../wire/client.ts';

/** A failure the CLI explains in words; main prints its message and exits 1. */
export class CliError extends Error {}

export function usage(message: string): never {
  throw new CliError(`${message}\n\nRun "tessera --help" for usage.`);
}

/** The options every command takes (declared once in main.ts). mri turns number-like values into numbers: `text()` takes them back. */
export interface GlobalOptions {
  url?: string | number;
  token?: string | number;
  json?: boolean;
}

/** A flag's value as the text that was typed (`--limit 5` arrives as the number 5). */
export function text(value: unknown): string | undefined {
  return value === undefined || value === null || value === true || value === false ? undefined : String(value);
}

/**
 * The server this run talks to: `--url`, else TESSERA_URL, else http://localhost:PORT. The CLI reads
 * only these and TESSERA_TOKEN, not the server's whole configuration, so a server-only setting that
 * does not parse here cannot stop it.
 */
export function serverUrl(options: GlobalOptions): string {
  return (text(options.url) ?? process.env.TESSERA_URL ?? `http://localhost:${process.env.PORT || 3000}`).replace(/\/$/, '');
}

/** Where `tessera login` keeps tokens, per server URL, readable by the user only. */
export function credentialsFile(): string {
  return path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'tessera', 'credentials.json');
}

function savedTokens(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

export function saveToken(base: string, token: string): void {
  const file = credentialsFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ ...savedTokens(), [base]: token }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The API client of this run: `--token`, else TESSERA_TOKEN, else the token `tessera login` saved for this server. */
export function connect(options: GlobalOptions, token?: string): Client {
  const baseUrl = serverUrl(options);
  const credential = token ?? text(options.token) ?? (process.env.TESSERA_TOKEN || undefined) ?? savedTokens()[baseUrl];
  return createClient({ baseUrl, ...(credential ? { token: credential } : {}) });
}

/** A count with its noun in the right number: "1 component", "2 components". */
export function plural(count: number, noun: string, nounPlural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nounPlural}`;
}

/** Prints a command's answer: its JSON with --json (or when it has no human form), else the human text. */
export function print(options: GlobalOptions, value: unknown, human?: string): void {
  process.stdout.write(`${options.json || human === undefined ? JSON.stringify(value, null, 2) : human}\n`);
}

export function readArgFile(file: string | undefined, what: string): string {
  if (!file) usage(`Missing ${what}.`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${what} "${file}": ${(err as Error).message}`);
  }
}

/** All of stdin, after a prompt when a person is typing. */
export async function readStdin(prompt: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(prompt);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The words of an error for the terminal: the server's `CODE: message`, or how to reach it. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.code.startsWith('HTTP_') ? err.status : err.code}: ${err.message}`;
  if (err instanceof UnreachableError) return `${err.message.replace(/\.$/, '')}. Start it with "npm start" or pass --url.`;
  return err instanceof Error ? err.message : String(err);
}
