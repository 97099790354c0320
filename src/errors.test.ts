import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ERRORS, TesseraError, USER_ERRORS, isUserError, toTesseraError } from './errors.ts';

describe('error catalog', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it('documents every code with its status', () => {
    for (const [code, status] of Object.entries({ ...USER_ERRORS, ...SYSTEM_ERRORS })) {
      expect(doc, `docs/errors.md must document ${code}`).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    }
  });

  it('keeps user and system codes apart', () => {
    for (const code of Object.keys(USER_ERRORS)) expect(Object.keys(SYSTEM_ERRORS)).not.toContain(code);
    expect(isUserError('SQL_ERROR')).toBe(true);
    expect(isUserError('INTERNAL')).toBe(false);
  });

  it('serializes code, message and details, and wraps foreign errors', () => {
    const err = new TesseraError('COMPILE_ERROR', 'frontend/A.tsx:3:5: Expected ";"', { details: { file: 'frontend/A.tsx', line: 3, column: 5 } });
    expect(err.status).toBe(400);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      code: 'COMPILE_ERROR',
      message: 'frontend/A.tsx:3:5: Expected ";"',
      details: { file: 'frontend/A.tsx', line: 3, column: 5 },
    });
    const wrapped = toTesseraError(new Error('disk full'));
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.status).toBe(500);
    expect(toTesseraError(err)).toBe(err);
  });
});
