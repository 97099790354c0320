import { describe, expect, it } from 'vitest';
import { atLeast, isRole, requiredRole } from './roles.ts';

describe('roles', () => {
  it('orders viewer < editor < owner', () => {
    expect(atLeast('owner', 'editor')).toBe(true);
    expect(atLeast('editor', 'editor')).toBe(true);
    expect(atLeast('viewer', 'editor')).toBe(false);
    expect(atLeast(null, 'viewer')).toBe(false);
    expect(isRole('editor')).toBe(true);
    expect(isRole('admin')).toBe(false);
  });

  it('needs viewer to read, owner to release, deploy, export, manage members or read the audit log, editor for other writes', () => {
    expect(requiredRole('GET', '')).toBe('viewer');
    expect(requiredRole('GET', '/functions/notes/logs')).toBe('viewer');
    expect(requiredRole('POST', '/tools/createFrontendComponent')).toBe('editor');
    expect(requiredRole('POST', '/agent')).toBe('editor');
    expect(requiredRole('POST', '/commits/abc/revert')).toBe('editor');
    expect(requiredRole('PUT', '/secrets/API_KEY')).toBe('editor');
    expect(requiredRole('PUT', '/egress')).toBe('editor');
    expect(requiredRole('DELETE', '')).toBe('owner');
    expect(requiredRole('POST', '/releases')).toBe('owner');
    expect(requiredRole('POST', '/releases/1.2.3/deploy')).toBe('owner');
    expect(requiredRole('POST', '/releases/1.2.3/export/fission')).toBe('owner');
    expect(requiredRole('PUT', '/members/ada')).toBe('owner');
    expect(requiredRole('DELETE', '/members/ada')).toBe('owner');
    expect(requiredRole('GET', '/audit')).toBe('owner');
    // A write route nobody listed is closed to viewers.
    expect(requiredRole('POST', '/some/new/route')).toBe('editor');
    expect(requiredRole('PATCH', '')).toBe('editor');
  });
});
