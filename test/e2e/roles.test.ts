import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerEvents } from '../../wire/sse.ts';
import { ANONYMOUS } from '../support/credentials.ts';
import { request, type SimpleResponse } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model.ts';

/**
 * Users, passwords and roles: an admin makes accounts, an owner adds members as editor or viewer,
 * each role can do exactly its share, the agent acts with its user's role, and everything that
 * changed something (or was refused) is in the audit log.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let model: ScriptedModel;
/** Between the agent's first and second step, the test demotes its user (see the "agent" test). */
let betweenSteps: (() => Promise<void>) | null = null;

const HI = "module.exports = async () => ({ status: 200, body: 'hi' })";

beforeAll(async () => {
  model = await startScriptedModel([
    // Run 1 (editor bob): one change, then bob is made a viewer before the model's second answer.
    { toolCalls: [{ name: 'createBackendFunction', arguments: { name: 'byagent', code: HI } }] },
    async () => {
      await betweenSteps?.();
      return { toolCalls: [{ name: 'createBackendFunction', arguments: { name: 'afterdemotion', code: HI } }] };
    },
    { text: 'Stopped: I may not change this project any more.' },
  ]);
  server = await startTestServer({ OPENAI_BASE_URL: model.url, OPENAI_MODEL: 'scripted', OPENAI_API_KEY: 'test' });
});
afterAll(async () => {
  await server?.close();
  await model?.close();
});

/** A request as someone: a session cookie or a bearer token; never the test's admin credential. */
function as(
  credential: string | null,
  route: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<SimpleResponse> {
  const headers: Record<string, string> = { ...ANONYMOUS, ...init.headers };
  if (credential?.startsWith('tessera_session=')) headers.cookie = credential;
  else if (credential) headers.authorization = `Bearer ${credential}`;
  return request(`${server.url}${route}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}
const admin = (route: string, init: { method?: string; body?: unknown } = {}) => as(server.token, route, init);
const sessionOf = (res: SimpleResponse) => String(res.headers['set-cookie']).split(';')[0]!;

async function signIn(login: string, password: string): Promise<string> {
  const res = await as(null, '/api/auth/password', { body: { login, password } });
  expect(res.status, res.text).toBe(200);
  return sessionOf(res);
}

const PASSWORDS = { alice: 'alice-correct-horse', bob: 'bob-battery-staple', carol: 'carol-purple-monkey', dave: 'dave-tiny-rocket-9' };
const session = {} as Record<keyof typeof PASSWORDS, string>;

describe('users and passwords', () => {
  it('lets an admin create users, who sign in with a password or their one-time link', async () => {
    for (const [id, password] of Object.entries(PASSWORDS)) {
      const res = await admin('/api/users', { body: { id, name: id[0]!.toUpperCase() + id.slice(1), email: `${id}@example.test`, password } });
      expect(res.status, res.text).toBe(201);
      expect(res.json().user).toMatchObject({ id, email: `${id}@example.test`, admin: false, hasPassword: true });
      expect(res.json().signInUrl).toMatch(new RegExp(`^${server.url}/\\?token=tsl_`));
    }
    expect((await admin('/api/users', { body: { id: 'alice', password: 'another-long-one' } })).json().error.code).toBe('USER_EXISTS');
    expect((await admin('/api/users', { body: { id: 'Bad Name!' } })).json().error.code).toBe('INVALID_ARGUMENTS');
    expect((await admin('/api/users', { body: { id: 'short', password: 'short' } })).json().error.code).toBe('WEAK_PASSWORD');

    session.alice = await signIn('alice', PASSWORDS.alice);
    session.bob = await signIn('BOB@example.test', PASSWORDS.bob); // by email, any case
    session.carol = await signIn('carol', PASSWORDS.carol);
    session.dave = await signIn('dave', PASSWORDS.dave);
    expect((await as(session.alice, '/api/me')).json()).toMatchObject({ id: 'alice', admin: false, via: 'session', hasPassword: true });

    const wrong = await as(null, '/api/auth/password', { body: { login: 'alice', password: 'not-her-password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.message).toBe('Wrong user or password.');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const unknown = await as(null, '/api/auth/password', { body: { login: 'nobody', password: 'whatever-it-is' } });
    expect(unknown.json().error.message).toBe('Wrong user or password.');
    // Users are for admins only.
    expect((await as(session.alice, '/api/users')).status).toBe(403);
    expect((await as(session.alice, '/api/users', { body: { id: 'mallory', password: 'mallory-password-1' } })).status).toBe(403);
  });

  it('changes a password only with the current one', async () => {
    expect(
      (await as(session.dave, '/api/me/password', { method: 'PUT', body: { current: 'wrong-wrong-wrong', password: 'dave-new-password-1' } })).status,
    ).toBe(401);
    expect((await as(session.dave, '/api/me/password', { method: 'PUT', body: { current: PASSWORDS.dave, password: 'tiny' } })).json().error.code).toBe(
      'WEAK_PASSWORD',
    );
    expect((await as(session.dave, '/api/me/password', { method: 'PUT', body: { current: PASSWORDS.dave, password: 'dave-new-password-1' } })).status).toBe(
      200,
    );
    expect((await as(null, '/api/auth/password', { body: { login: 'dave', password: PASSWORDS.dave } })).status).toBe(401);
    PASSWORDS.dave = 'dave-new-password-1';
    session.dave = await signIn('dave', PASSWORDS.dave);
  });

  it('throttles the 11th wrong password within a minute, even when it is right', async () => {
    // A server of its own: the throttle counts every failure from this machine's address.
    const fresh = await startTestServer();
    try {
      const made = await request(`${fresh.url}/api/users`, {
        method: 'POST',
        headers: { ...ANONYMOUS, authorization: `Bearer ${fresh.token}` },
        body: JSON.stringify({ id: 'carol', password: PASSWORDS.carol }),
      });
      expect(made.status).toBe(201);
      const attempt = (password: string) =>
        request(`${fresh.url}/api/auth/password`, { method: 'POST', headers: ANONYMOUS, body: JSON.stringify({ login: 'carol', password }) });
      for (let i = 0; i < 10; i++) expect((await attempt(`guess-number-${i}`)).status).toBe(401);
      const eleventh = await attempt(PASSWORDS.carol);
      expect(eleventh.status).toBe(429);
      expect(eleventh.json().error.code).toBe('TOO_MANY_ATTEMPTS');
      expect(eleventh.headers['set-cookie']).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });
});

describe('roles in a project', () => {
  it('makes the creator the owner, who invites an editor and a viewer; each joins by accepting', async () => {
    const created = await as(session.alice, '/api/tenants', { body: { id: 'shop' } });
    expect(created.status, created.text).toBe(201);
    expect(created.json().role).toBe('owner');
    const bob = await as(session.alice, '/api/tenants/shop/members/bob', { method: 'PUT', body: { role: 'editor' } });
    expect(bob.status).toBe(202);
    expect(bob.json()).toMatchObject({ invited: 'bob', role: 'editor' });
    const carol = await as(session.alice, '/api/tenants/shop/members/carol@example.test', { method: 'PUT', body: { role: 'viewer' } });
    expect(carol.status).toBe(202);
    // An id with no account gets the very same answer: adding members tells nobody who has an account.
    const ghost = await as(session.alice, '/api/tenants/shop/members/ghost', { method: 'PUT', body: { role: 'viewer' } });
    const dave = await as(session.alice, '/api/tenants/shop/members/dave', { method: 'PUT', body: { role: 'viewer' } });
    expect(ghost.status).toBe(202);
    expect(ghost.json().message.replace('ghost', 'X')).toBe(dave.json().message.replace('dave', 'X'));
    expect(Object.keys(ghost.json())).toEqual(Object.keys(dave.json()));
    expect((await as(session.alice, '/api/tenants/shop/members/bob', { method: 'PUT', body: { role: 'god' } })).json().error.code).toBe('INVALID_ARGUMENTS');
    expect((await as(session.alice, '/api/tenants/shop/members/not%20a%20name', { method: 'PUT', body: { role: 'viewer' } })).json().error.code).toBe(
      'INVALID_ARGUMENTS',
    );
    // Nobody is in the project before saying yes.
    const owners = await as(session.alice, '/api/tenants/shop/members');
    expect(owners.json().members.map((m: { userId: string }) => m.userId)).toEqual(['alice']);
    expect(owners.json().invitations.map((i: { invitee: string; role: string }) => `${i.invitee}:${i.role}`)).toEqual([
      'bob:editor',
      'carol@example.test:viewer',
      'dave:viewer',
      'ghost:viewer',
    ]);
    expect((await as(session.carol, '/api/tenants')).json().tenants).toEqual([]);
    expect((await as(session.carol, '/api/tenants/shop')).status).toBe(403);
    // Each sees their invitation (carol's by her email) and answers it; dave declines.
    const invitationOf = async (who: string) => {
      const list = (await as(who, '/api/invitations')).json().invitations;
      expect(list).toEqual([expect.objectContaining({ tenant: 'shop', invitedBy: 'alice' })]);
      return list[0].id as string;
    };
    const bobs = await invitationOf(session.bob);
    expect((await as(session.carol, `/api/invitations/${bobs}/accept`, { body: {} })).status).toBe(404);
    expect((await as(session.bob, `/api/invitations/${bobs}/accept`, { body: {} })).json()).toMatchObject({ ok: true, tenant: 'shop', role: 'editor' });
    expect((await as(session.bob, `/api/invitations/${bobs}/accept`, { body: {} })).status).toBe(404);
    expect((await as(session.carol, `/api/invitations/${await invitationOf(session.carol)}/accept`, { body: {} })).json().role).toBe('viewer');
    expect((await as(session.dave, `/api/invitations/${await invitationOf(session.dave)}/decline`, { body: {} })).json()).toMatchObject({
      ok: true,
      tenant: 'shop',
    });
    expect((await as(session.dave, '/api/invitations')).json().invitations).toEqual([]);
    // An owner withdraws the invitation nobody can answer.
    expect((await as(session.alice, '/api/tenants/shop/members/ghost', { method: 'DELETE' })).status).toBe(200);
    expect((await as(session.alice, '/api/tenants/shop/members')).json().invitations).toEqual([]);
    const members = (await as(session.carol, '/api/tenants/shop/members')).json();
    expect(members.members.map((m: { userId: string; role: string }) => `${m.userId}:${m.role}`)).toEqual(['alice:owner', 'bob:editor', 'carol:viewer']);
    expect(members.invitations).toBeUndefined();
    expect((await as(session.carol, '/api/tenants')).json().tenants).toEqual([expect.objectContaining({ id: 'shop', role: 'viewer' })]);
    expect((await as(session.dave, '/api/tenants')).json().tenants).toEqual([]);
    // A member's role changes at once (no invitation needed); only an admin adds directly.
    expect((await as(session.alice, '/api/tenants/shop/members/dave', { method: 'PUT', body: { role: 'viewer', direct: true } })).json().error.code).toBe(
      'FORBIDDEN',
    );
    const audit = (await as(session.alice, '/api/tenants/shop/audit')).json().entries.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`);
    expect(audit).toEqual(expect.arrayContaining(['invitation.accept:bob', 'invitation.accept:carol', 'invitation.decline:dave', 'member.set:alice']));
  });

  it('lets an admin add an existing account directly, and only an existing one', async () => {
    expect((await admin('/api/tenants', { body: { id: 'direct' } })).status).toBe(201);
    const added = await admin('/api/tenants/direct/members/dave', { method: 'PUT', body: { role: 'viewer', direct: true } });
    expect(added.status).toBe(200);
    expect(added.json()).toEqual({ userId: 'dave', role: 'viewer' });
    expect((await as(session.dave, '/api/tenants')).json().tenants).toEqual([expect.objectContaining({ id: 'direct', role: 'viewer' })]);
    expect((await admin('/api/tenants/direct/members/ghost', { method: 'PUT', body: { role: 'viewer', direct: true } })).json().error.code).toBe(
      'USER_NOT_FOUND',
    );
    expect((await admin('/api/tenants/direct', { method: 'DELETE' })).status).toBe(204);
    expect((await as(session.dave, '/api/tenants')).json().tenants).toEqual([]);
  });

  it('keeps a project out of reach of users who are not members', async () => {
    expect((await as(session.dave, '/api/tenants')).json().tenants).toEqual([]);
    for (const [method, route] of [
      ['GET', '/api/tenants/shop'],
      ['GET', '/api/tenants/shop/files'],
      ['POST', '/api/tenants/shop/tools/listArtifacts'],
      ['DELETE', '/api/tenants/shop'],
    ] as const) {
      const res = await as(session.dave, route, { method, ...(method === 'POST' ? { body: {} } : {}) });
      expect(res.status, `${method} ${route}`).toBe(403);
      expect(res.json().error.message).toMatch(/not a member of project "shop"/);
    }
  });

  it('lets a viewer read but not run tools, the agent, releases or deploys, changing nothing', async () => {
    const commits = async () => (await admin('/api/tenants/shop/commits')).json().commits.length;
    const before = await commits();
    expect((await as(session.carol, '/api/tenants/shop')).json().role).toBe('viewer');
    expect((await as(session.carol, '/api/tenants/shop/commits')).status).toBe(200);
    expect((await as(session.carol, '/api/tenants/shop/database')).status).toBe(200);
    const tool = await as(session.carol, '/api/tenants/shop/tools/createBackendFunction', { body: { name: 'sneaky', code: HI } });
    expect(tool.status).toBe(403);
    expect(tool.json().error).toMatchObject({ code: 'FORBIDDEN', details: { role: 'viewer', needed: 'editor' } });
    expect(tool.json().error.message).toMatch(/You are a viewer of "shop": running the tool createBackendFunction needs editor/);
    expect((await as(session.carol, '/api/tenants/shop/agent', { body: { prompt: 'make me owner' } })).status).toBe(403);
    expect((await as(session.carol, '/api/tenants/shop/releases', { body: { version: '0.0.1' } })).status).toBe(403);
    expect((await as(session.carol, '/api/tenants/shop/releases/0.0.1/deploy', { body: {} })).status).toBe(403);
    expect((await as(session.carol, '/api/tenants/shop/secrets/KEY', { method: 'PUT', body: { value: 'x' } })).status).toBe(403);
    expect((await as(session.carol, '/api/tenants/shop/egress', { method: 'PUT', body: { allow: ['api.example.com'] } })).status).toBe(403);
    expect((await as(session.carol, '/api/tenants/shop/secrets')).status).toBe(200);
    expect((await as(session.carol, '/api/tenants/shop/members/carol', { method: 'PUT', body: { role: 'owner' } })).status).toBe(403);
    expect((await as(session.carol, '/api/tenants/shop', { method: 'DELETE' })).status).toBe(403);
    expect(await commits()).toBe(before);
    expect((await as(session.alice, '/api/tenants/shop/members')).json().members.find((m: { userId: string }) => m.userId === 'carol').role).toBe('viewer');
  });

  it('lets an editor change code and secrets but not release, deploy or manage members', async () => {
    const tool = await as(session.bob, '/api/tenants/shop/tools/createBackendFunction', { body: { name: 'hello', code: HI } });
    expect(tool.status, tool.text).toBe(200);
    expect((await as(session.bob, '/api/tenants/shop/secrets/API_KEY', { method: 'PUT', body: { value: 'sk-123' } })).status).toBe(200);
    expect((await as(session.bob, '/api/tenants/shop/egress', { method: 'PUT', body: { allow: ['api.example.com'] } })).status).toBe(200);
    expect((await as(session.bob, '/api/tenants/shop/releases', { body: { version: '1.0.0' } })).json().error.message).toMatch(
      /an editor of "shop": creating a release needs owner/,
    );
    expect((await as(session.bob, '/api/tenants/shop/members/dave', { method: 'PUT', body: { role: 'viewer' } })).status).toBe(403);
    expect((await as(session.bob, '/api/tenants/shop/audit')).status).toBe(403);
  });

  it('lets the owner release, deploy and roll back', async () => {
    expect((await as(session.alice, '/api/tenants/shop/releases', { body: { version: '1.0.0' } })).status).toBe(201);
    expect((await as(session.bob, '/api/tenants/shop/releases/1.0.0/deploy', { body: {} })).status).toBe(403);
    expect((await as(session.alice, '/api/tenants/shop/releases/1.0.0/deploy', { body: {} })).status).toBe(200);
    expect((await request(`${server.liveUrl('shop')}api/hello`, { headers: ANONYMOUS })).text).toBe('hi');
  });

  it('never leaves a project without an owner', async () => {
    const res = await as(session.alice, '/api/tenants/shop/members/alice', { method: 'PUT', body: { role: 'editor' } });
    expect(res.status).toBe(409);
    expect(res.json().error.code).toBe('LAST_OWNER');
    expect((await as(session.alice, '/api/tenants/shop/members/alice', { method: 'DELETE' })).json().error.code).toBe('LAST_OWNER');
    expect((await admin('/api/users/alice', { method: 'DELETE' })).json().error.code).toBe('LAST_OWNER');
  });
});

describe("the agent acts with its user's role", () => {
  it('runs for an editor, audits each tool call in their name, and stops changing things once they are made a viewer', async () => {
    betweenSteps = async () => {
      const res = await as(session.alice, '/api/tenants/shop/members/bob', { method: 'PUT', body: { role: 'viewer' } });
      expect(res.status).toBe(200);
    };
    const res = await fetch(`${server.url}/api/tenants/shop/agent`, {
      method: 'POST',
      headers: { ...ANONYMOUS, cookie: session.bob, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Add two functions' }),
    });
    expect(res.status).toBe(200);
    const events: Array<{ event: string; data: any }> = [];
    for await (const event of readServerEvents(res.body!)) events.push({ event: event.event, data: JSON.parse(event.data) });
    const results = events.filter((e) => e.event === 'tool_result');
    expect(results.map((e) => [e.data.name, e.data.ok])).toEqual([
      ['createBackendFunction', true],
      ['createBackendFunction', false],
      // The platform's check of the changed app (no routes yet: nothing to visit), before the run ends.
      ['checkApp', true],
    ]);
    expect(results[1]!.data.error).toMatchObject({ code: 'FORBIDDEN' });
    const functions = (await admin('/api/tenants/shop/functions')).json().functions.map((f: { name: string }) => f.name);
    expect(functions).toContain('byagent');
    expect(functions).not.toContain('afterdemotion');

    const audit = (await as(session.alice, '/api/tenants/shop/audit')).json().entries as Array<{
      actor: string;
      via: string;
      action: string;
      outcome: string;
      target: string;
    }>;
    const agentCalls = audit.filter((e) => e.via === 'agent' && e.action === 'tool.createBackendFunction');
    expect(agentCalls.map((e) => [e.actor, e.outcome])).toEqual([
      ['bob', 'refused'],
      ['bob', 'ok'],
    ]);
    expect(audit.some((e) => e.action === 'agent.run' && e.actor === 'bob' && e.outcome === 'ok')).toBe(true);
    expect(audit.some((e) => e.action === 'agent.finished' && e.actor === 'bob')).toBe(true);
  });
});

describe('the audit log', () => {
  it('records who did what in a project, refusals included, newest first', async () => {
    const entries = (await as(session.alice, '/api/tenants/shop/audit?limit=500')).json().entries as Array<{
      id: number;
      actor: string;
      via: string;
      action: string;
      target: string;
      outcome: string;
      tenant: string;
    }>;
    const seen = entries.map((e) => `${e.actor} ${e.action} ${e.target} ${e.outcome}`);
    for (const line of [
      'alice project.create shop ok',
      'alice member.set bob ok',
      'alice member.set carol@example.test ok',
      'carol tool.createBackendFunction createBackendFunction refused',
      'carol release.deploy 0.0.1 refused',
      'bob tool.createBackendFunction createBackendFunction ok',
      'bob secret.set API_KEY ok',
      'bob release.create  refused',
      'alice release.create  ok',
      'alice release.deploy 1.0.0 ok',
      'alice member.set alice error',
    ]) {
      expect(seen, line).toContain(line);
    }
    expect(entries.every((e) => e.tenant === 'shop')).toBe(true);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => b - a));
    const page = (await as(session.alice, `/api/tenants/shop/audit?limit=2&before=${entries[1]!.id}`)).json().entries;
    expect(page.map((e: { id: number }) => e.id)).toEqual([entries[2]!.id, entries[3]!.id]);
  });

  it('keeps sign-ins, users and tokens in the whole log, which only admins read', async () => {
    const token = await as(session.dave, '/api/tokens', { body: { name: 'laptop' } });
    await as(session.dave, `/api/tokens/${token.json().id}`, { method: 'DELETE' });
    expect((await as(session.alice, '/api/audit')).status).toBe(403);
    const entries = (await admin('/api/audit?limit=500')).json().entries as Array<{
      actor: string;
      via: string;
      action: string;
      target: string;
      outcome: string;
    }>;
    const seen = entries.map((e) => `${e.actor} ${e.action} ${e.target} ${e.outcome}`);
    expect(seen).toContain('admin user.create  ok');
    expect(seen).toContain('alice auth.sign-in  ok');
    expect(seen).toContain('alice auth.sign-in  refused');
    expect(seen).toContain('dave token.create  ok');
    expect(seen).toContain(`dave token.delete ${token.json().id} ok`);
    expect(entries.find((e) => e.action === 'auth.sign-in' && e.outcome === 'ok' && e.actor === 'bob')?.via).toBe('password');
    // Secrets are never written to the log.
    expect(JSON.stringify(entries)).not.toContain('sk-123');
    expect(JSON.stringify(entries)).not.toContain(PASSWORDS.alice);
  });

  it("gives a recycled project id an empty log; admins still find the deleted project's history", async () => {
    expect((await as(session.alice, '/api/tenants', { body: { id: 'recycled' } })).status).toBe(201);
    expect((await as(session.alice, '/api/tenants/recycled/secrets/OLD_KEY', { method: 'PUT', body: { value: 'x' } })).status).toBe(200);
    expect((await as(session.alice, '/api/tenants/recycled/members/bob', { method: 'PUT', body: { role: 'editor' } })).status).toBe(202);
    expect((await as(session.alice, '/api/tenants/recycled', { method: 'DELETE' })).status).toBe(204);
    // Someone else takes the id: a new project, with none of the old one's history (or invitations).
    expect((await as(session.dave, '/api/tenants', { body: { id: 'recycled' } })).status).toBe(201);
    const fresh = (await as(session.dave, '/api/tenants/recycled/audit')).json().entries as Array<{ actor: string; action: string; project: string }>;
    expect(fresh.map((e) => `${e.actor} ${e.action}`)).toEqual(['dave project.create']);
    expect((await as(session.bob, '/api/invitations')).json().invitations.filter((i: { tenant: string }) => i.tenant === 'recycled')).toEqual([]);
    // The whole log (admins) keeps both projects' entries, each with its own project.
    const all = (await admin('/api/audit?tenant=recycled')).json().entries as Array<{ actor: string; action: string; project: string | null }>;
    const old = all.filter((e) => e.actor === 'alice');
    expect(old.map((e) => e.action)).toEqual(['project.delete', 'member.set', 'secret.set', 'project.create']);
    expect(new Set(old.map((e) => e.project)).size).toBe(1);
    expect(old[0]!.project).toMatch(/^[0-9a-f-]{36}$/);
    expect(old[0]!.project).not.toBe(fresh[0]!.project);
    expect((await admin(`/api/audit?project=${old[0]!.project}`)).json().entries.map((e: { action: string }) => e.action)).toEqual([
      'project.delete',
      'member.set',
      'secret.set',
      'project.create',
    ]);
    expect((await admin('/api/tenants/recycled', { method: 'DELETE' })).status).toBe(204);
  });
});

describe('tokens and deleted users', () => {
  it('refuses a revoked token at once, and every credential of a deleted user', async () => {
    const made = (await as(session.dave, '/api/tokens', { body: { name: 'ci' } })).json();
    expect((await as(made.token, '/api/me')).json().id).toBe('dave');
    expect((await as(session.dave, `/api/tokens/${made.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await as(made.token, '/api/me')).status).toBe(401);

    const second = (await as(session.dave, '/api/tokens', { body: { name: 'other' } })).json();
    expect((await admin('/api/users/dave', { method: 'DELETE' })).status).toBe(200);
    expect((await as(session.dave, '/api/me')).status).toBe(401);
    expect((await as(second.token, '/api/me')).status).toBe(401);
    expect((await as(null, '/api/auth/password', { body: { login: 'dave', password: PASSWORDS.dave } })).status).toBe(401);
  });

  it('refuses an expired session or sign-in link', async () => {
    const { registry } = server.platform;
    const expired = 'tss_expired-session-for-the-test';
    const link = 'tsl_expired-link-for-the-test';
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    await registry.addCredential({ kind: 'session', userId: 'alice', secretHash: sha(expired), expiresAt: new Date(Date.now() - 1000) });
    await registry.addCredential({ kind: 'sign-in-link', userId: 'alice', secretHash: sha(link), expiresAt: new Date(Date.now() - 1000) });
    expect((await as(`tessera_session=${expired}`, '/api/me')).status).toBe(401);
    expect((await as(null, `/?token=${link}`)).status).toBe(401);
    // The same session a moment before its end still works.
    const live = 'tss_live-session-for-the-test';
    await registry.addCredential({ kind: 'session', userId: 'alice', secretHash: sha(live), expiresAt: new Date(Date.now() + 60_000) });
    expect((await as(`tessera_session=${live}`, '/api/me')).json().id).toBe('alice');
  });

  it('gives an admin a fresh one-time link for a user, and admin rights to grant', async () => {
    const link = (await admin('/api/users/carol/sign-in-link', { body: {} })).json().signInUrl as string;
    // Pasted into the address bar (the browser says `Sec-Fetch-Site: none`): signed in at once.
    const res = await as(null, `/?token=${new URL(link).searchParams.get('token')}`, { headers: { 'sec-fetch-site': 'none' } });
    expect(res.status).toBe(302);
    const carol = sessionOf(res);
    expect((await as(carol, '/api/me')).json().id).toBe('carol');
    expect((await admin('/api/users/carol', { method: 'PATCH', body: { admin: true } })).json().user.admin).toBe(true);
    expect((await as(carol, '/api/users')).status).toBe(200);
    expect((await as(carol, '/api/users/carol', { method: 'PATCH', body: { admin: false } })).json().error.code).toBe('FORBIDDEN');
  });
});
