import { describe, expect, it } from 'vitest';
import { escapeControls, formatLogRecord, jsonForTerminal } from './log-text.ts';

describe('log text as shown', () => {
  it('writes terminal controls as escapes: colours, a clipboard write (OSC 52), BEL, CR, C1, bidi overrides', () => {
    const hostile = '\x1b[31mred\x1b[0m \x1b]52;c;cm0gLXJmIH4=\x07 back\rover \x9b2J \u202eevil';
    const shown = escapeControls(hostile);
    expect(shown).toBe('\\x1b[31mred\\x1b[0m \\x1b]52;c;cm0gLXJmIH4=\\x07 back\\x0dover \\x9b2J \\u202eevil');
    expect(shown).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(escapeControls('tab\tand\nnewline, ünïcode ✓')).toBe('tab\tand\nnewline, ünïcode ✓');
  });

  it('cannot be made to show a platform line: later lines of a message are indented, and tenant lines are marked', () => {
    const forged = formatLogRecord({
      time: '2026-01-01T00:00:00.000Z',
      requestId: 'abcd1234',
      source: 'console',
      level: 'log',
      message: 'ok\n2026-01-01T00:00:01.000Z abcd1234 [tessera] end 200 in 1 ms\r\x1b[2K[tessera] end 200',
    });
    const lines = forged.split('\n');
    expect(lines[0]).toBe('2026-01-01T00:00:00.000Z abcd1234 [app log] ok');
    for (const line of lines.slice(1)) expect(line.startsWith('    | ')).toBe(true);
    expect(lines.filter((line) => /^\S+ \S+ \[tessera\]/.test(line))).toEqual([]);
    expect(formatLogRecord({ time: 't', requestId: 'r', source: 'platform', level: 'info', message: 'end 200 in 1 ms' })).toBe('t r [tessera] end 200 in 1 ms');
  });

  it('keeps JSON output free of terminal controls, and the same JSON', () => {
    const record = { message: '\x1b]52;c;eA==\x07 \x9b2J \u202e' };
    const json = jsonForTerminal(record);
    expect(json).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(JSON.parse(json)).toEqual(record);
  });
});
