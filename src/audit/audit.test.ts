import { describe, expect, it } from 'vitest';
import { describeRequest } from './index.ts';

describe('describeRequest', () => {
  it('names control-API writes as actions on a project and a target', () => {
    const cases: Array<[string, string, { action: string; tenant: string | null; target: string }]> = [
      ['POST', '/api/tenants', { action: 'project.create', tenant: null, target: '' }],
      ['DELETE', '/api/tenants/notes', { action: 'project.delete', tenant: 'notes', target: 'notes' }],
      ['POST', '/api/tenants/notes/tools/createBackendFunction', { action: 'tool.createBackendFunction', tenant: 'notes', target: 'createBackendFunction' }],
      ['POST', '/api/tenants/notes/agent', { action: 'agent.run', tenant: 'notes', target: '' }],
      ['POST', '/api/tenants/notes/agent/cancel', { action: 'agent.cancel', tenant: 'notes', target: '' }],
      ['POST', '/api/tenants/notes/releases', { action: 'release.create', tenant: 'notes', target: '' }],
      ['POST', '/api/tenants/notes/releases/1.0.0/deploy', { action: 'release.deploy', tenant: 'notes', target: '1.0.0' }],
      ['POST', '/api/tenants/notes/releases/1.0.0/export/fission', { action: 'release.export.fission', tenant: 'notes', target: '1.0.0' }],
      ['POST', '/api/tenants/notes/commits/abc123/revert', { action: 'commit.revert', tenant: 'notes', target: 'abc123' }],
      ['PUT', '/api/tenants/notes/members/ada%40example.test', { action: 'member.set', tenant: 'notes', target: 'ada@example.test' }],
      ['DELETE', '/api/tenants/notes/members/ada', { action: 'member.delete', tenant: 'notes', target: 'ada' }],
      ['PUT', '/api/tenants/notes/secrets/API_KEY', { action: 'secret.set', tenant: 'notes', target: 'API_KEY' }],
      ['PUT', '/api/tenants/notes/egress', { action: 'egress.set', tenant: 'notes', target: '' }],
      ['DELETE', '/api/tenants/notes/egress/proposals/api.example.com', { action: 'egress.dismiss', tenant: 'notes', target: 'api.example.com' }],
      ['POST', '/api/tokens', { action: 'token.create', tenant: null, target: '' }],
      ['DELETE', '/api/tokens/7', { action: 'token.delete', tenant: null, target: '7' }],
      ['POST', '/api/users', { action: 'user.create', tenant: null, target: '' }],
      ['PATCH', '/api/users/ada', { action: 'user.update', tenant: null, target: 'ada' }],
      ['POST', '/api/users/ada/sign-in-link', { action: 'user.sign-in-link', tenant: null, target: 'ada' }],
      ['PUT', '/api/me/password', { action: 'password.set', tenant: null, target: '' }],
      ['POST', '/api/auth/logout', { action: 'auth.logout', tenant: null, target: '' }],
      // The project of an answered invitation comes from the answer (server/access.ts).
      ['POST', '/api/invitations/inv_abc/accept', { action: 'invitation.accept', tenant: null, target: 'inv_abc' }],
      ['POST', '/api/invitations/inv_abc/decline', { action: 'invitation.decline', tenant: null, target: 'inv_abc' }],
    ];
    for (const [method, path, expected] of cases) expect(describeRequest(method, path), `${method} ${path}`).toEqual(expected);
  });
});
