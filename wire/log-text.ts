/**
 * How a function's log records are shown as text (`tessera logs`, the builder's live log). A console
 * line is the function's own text: it may hold terminal escape sequences (colours, a clipboard write,
 * a cleared screen), carriage returns, or a line break followed by a copy of the platform's
 * `[tessera] end 200` line. Shown here, none of that acts: control characters appear as escapes and
 * every further line of a message is indented under a bar, so only the platform's lines start at
 * the margin with `[tessera]`, and the function's are marked `[app <level>]`.
 */

/** C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional marks and overrides that reorder what is shown. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each control character written as an escape (`\x1b`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** JSON of `value` with no character a terminal acts on: JSON escapes C0 itself; DEL, C1 and bidi marks are escaped as `\uXXXX` too (still the same JSON). */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The fields of a log record that are shown. */
export interface ShownLogRecord {
  time: string;
  requestId?: string;
  source: string;
  level: string;
  message: string;
}

/** Where a record comes from, as its line says: the platform's `[tessera]`, or the function's `[app <level>]`. */
export function logSourceLabel(record: ShownLogRecord): string {
  return record.source === 'platform' ? '[tessera]' : `[app ${escapeControls(record.level)}]`;
}

/** A record as text: one line, or several with the later ones indented under `  | `. `time`: how the time is shown. */
export function formatLogRecord(record: ShownLogRecord, time: string = record.time): string {
  const head = [escapeControls(time), record.requestId === undefined ? null : escapeControls(record.requestId), logSourceLabel(record)]
    .filter((part) => part !== null)
    .join(' ');
  const [first, ...rest] = escapeControls(record.message).split('\n');
  return [`${head} ${first}`, ...rest.map((line) => `    | ${line}`)].join('\n');
}
