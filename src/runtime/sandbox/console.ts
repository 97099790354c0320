import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { format } from 'node:util';
import type { LogLine } from '../protocol.ts';
import { cutText } from '../wire.ts';

/** One invocation (or load check, or render) in progress: its console lines are collected here. */
export interface Scope {
  id: number;
  fn: string;
  /** The platform's id of the call, for lines that arrive after the answer. */
  requestId: string;
  logs: LogLine[];
  dropped: number;
  /** Answered: later lines (timers the function left behind) travel on their own. */
  done: boolean;
}

const MAX_LINES = 200;

/** The scope of the code running now; follows promises, timers and callbacks across awaits. */
export const scopes = new AsyncLocalStorage<Scope>();

/** A scope for one call (`requestId`: the platform's id, for late lines). */
export function newScope(id: number, fn: string, requestId = ''): Scope {
  return { id, fn, requestId, logs: [], dropped: 0, done: false };
}

/** Ends a scope and returns its lines, with a note when some were dropped. */
export function finish(scope: Scope): LogLine[] {
  scope.done = true;
  if (scope.dropped > 0)
    scope.logs.push({
      time: new Date().toISOString(),
      level: 'warn',
      message: `(${scope.dropped} more console lines of this call were dropped; the limit is ${MAX_LINES})`,
    });
  return scope.logs;
}

function capture(level: LogLine['level'], message: string, late: (scope: Scope, line: LogLine) => void): void {
  const scope = scopes.getStore();
  // Outside any call (the sandbox's own code) there is nobody to show the line to.
  if (!scope) return;
  if (scope.logs.length >= MAX_LINES) {
    scope.dropped++;
    return;
  }
  const line: LogLine = { time: new Date().toISOString(), level, message: cutText(message) };
  scope.logs.push(line);
  if (scope.done) late(scope, line);
}

/**
 * Replaces `console` so that nothing a function prints reaches a terminal: every line is kept with
 * its level and time, for the call that printed it. `late` receives lines printed after the call ended.
 */
export function captureConsole(late: (scope: Scope, line: LogLine) => void): void {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[level] = (...args: unknown[]) => capture(level, format(...args), late);
  }
  // dir, table, trace, assert, count, time...: Node's own formatting, written into the capture.
  // A Writable whose callback runs synchronously writes synchronously: the caller's scope is still current.
  const stream = (level: LogLine['level']) =>
    new Writable({
      decodeStrings: false,
      write(chunk: string | Buffer, _encoding, done) {
        capture(level, String(chunk).replace(/\n$/, ''), late);
        done();
      },
    });
  const formatted = new Console({ stdout: stream('log'), stderr: stream('error') });
  for (const name of [
    'dir',
    'dirxml',
    'table',
    'trace',
    'assert',
    'count',
    'countReset',
    'group',
    'groupCollapsed',
    'groupEnd',
    'time',
    'timeEnd',
    'timeLog',
  ] as const) {
    (console as unknown as Record<string, unknown>)[name] = (formatted[name] as (...args: unknown[]) => unknown).bind(formatted);
  }
}
