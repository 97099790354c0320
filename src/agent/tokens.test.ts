import { describe, expect, it } from 'vitest';
import { estimateTokens } from './tokens.ts';

describe('estimateTokens', () => {
  it('counts prose at about four characters a token, and code, numbers and CJK denser', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hello world')).toBe(2);
    const prose = 'The quick brown fox jumps over the lazy dog while the farmer watches from the porch. '.repeat(20);
    expect(prose.length / estimateTokens(prose)).toBeGreaterThan(3.5);
    expect(prose.length / estimateTokens(prose)).toBeLessThan(6);
    const code = 'const x = await db.query("SELECT id, name FROM t WHERE id = ?", [id]); return { status: 200, body: x };'.repeat(10);
    expect(code.length / estimateTokens(code)).toBeLessThan(prose.length / estimateTokens(prose));
    expect(estimateTokens('1234567890')).toBe(4);
    expect(estimateTokens('数据库表格')).toBe(5);
    expect(estimateTokens('{"a":1}')).toBe(7);
  });
});
