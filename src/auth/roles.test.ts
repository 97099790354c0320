import { describe, expect, it } from 'vitest';
import { atLeast, isRole } from './roles.ts';

describe('roles', () => {
  it('orders viewer < editor < owner', () => {
    expect(atLeast('owner', 'editor')).toBe(true);
    expect(atLeast('editor', 'editor')).toBe(true);
    expect(atLeast('viewer', 'editor')).toBe(false);
    expect(atLeast(null, 'viewer')).toBe(false);
    expect(isRole('editor')).toBe(true);
    expect(isRole('admin')).toBe(false);
  });
});
