import { describe, expect, it } from 'vitest';
import { checkEmailArgs, MAX_BODY_BYTES, parseSender } from './index.ts';

describe('checkEmailArgs', () => {
  it('takes one address or a list, and gives `to` as a list', () => {
    expect(checkEmailArgs({ to: 'ada@example.com', subject: 'Hi', text: 'x' })).toEqual({ to: ['ada@example.com'], subject: 'Hi', text: 'x' });
    expect(checkEmailArgs({ to: ['ada@example.com', 'bob@example.org'], subject: 'Hi', html: '<p>x</p>' })).toEqual({
      to: ['ada@example.com', 'bob@example.org'],
      subject: 'Hi',
      html: '<p>x</p>',
    });
  });

  it.each([
    [{ to: 'ada@example.com\nBcc: spy@evil.example', subject: 'Hi', text: 'x' }, /"to" must be an email address/],
    [{ to: 'ada@example.com', subject: 'Hi\tthere\u0007', text: 'x' }, /"subject" must be one line/],
    [{ to: 'ada@example.com', subject: 'Hi\u2028', text: 'x' }, null],
    [{ to: Array.from({ length: 21 }, (_, i) => `u${i}@example.com`), subject: 'Hi', text: 'x' }, /names more than 20 addresses/],
    [{ to: 'ada@example.com', subject: 'Hi', text: 'é'.repeat(MAX_BODY_BYTES / 2 + 1) }, /"text" is larger than 1048576 bytes/],
    [{ to: 'ada@example.com', subject: 'Hi', text: 'x', headers: { 'X-A': 'b' } }, /unknown field "headers"/],
    [null, /must be an object/],
  ])('refuses %j with INVALID_ARGUMENTS naming the field', (args, message) => {
    if (message === null) return void expect(() => checkEmailArgs(args)).not.toThrow();
    expect(() => checkEmailArgs(args)).toThrow(message);
    try {
      checkEmailArgs(args);
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    }
  });
});

describe('parseSender', () => {
  it('reads an address or a name with one, and nothing with a line break or without an address', () => {
    expect(parseSender('app@example.com')).toEqual({ name: '', address: 'app@example.com' });
    expect(parseSender('Journal <app@example.com>')).toEqual({ name: 'Journal', address: 'app@example.com' });
    expect(parseSender('Journal\r\nBcc: spy@evil.example <app@example.com>')).toBeNull();
    expect(parseSender('Journal <app@example.com>\r\nBcc: spy@evil.example')).toBeNull();
    expect(parseSender('Journal')).toBeNull();
  });
});
