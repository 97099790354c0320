import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';

const run = promisify(execFile);
// Every step starts a CLI process (Node + the TypeScript loader): seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });
const root = path.resolve(import.meta.dirname, '../..');
let server: Awaited<ReturnType<typeof startTestServer>>;
const configHome = mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-config-'));
/** The CLI as an operator runs it: TESSERA_TOKEN in the environment, its own config folder. */
const cliEnv = (extra: Record<string, string | undefined> = {}) => ({ ...process.env, TESSERA_TOKEN: server.token, XDG_CONFIG_HOME: configHome, ...extra });

async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, ...args], { cwd: root, env: cliEnv() });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('tessera CLI', () => {
  it('builds the notes app from the example files, as the README says', async () => {
    expect((await tessera('tenants', 'create', 'notes')).stdout).toContain(`Created notes: http://notes.localhost:${server.server.port}/`);
    for (const args of [
      ['schema', 'notes', 'examples/notes/schema.sql'],
      ['function', 'notes', 'notes', 'examples/notes/notes.js'],
      ['component', 'notes', 'NotesApp', 'examples/notes/NotesApp.tsx'],
      ['layout', 'notes', 'examples/notes/blueprint.json'],
    ]) {
      const result = await tessera(...args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/: ok/);
    }
    expect((await tessera('tenants', 'list')).stdout).toContain('notes\t');
    const info = JSON.parse((await tessera('tenants', 'get', 'notes')).stdout);
    expect(info.routes).toEqual(['/']);
    const added = await request(`${server.appUrl('notes')}api/notes`, { method: 'POST', body: '{"text":"from the CLI test"}' });
    expect(added.status).toBe(201);

    // --access: who may call it (checked before it runs); a value the tool does not know is refused.
    const closed = await tessera('function', 'notes', 'notes', 'examples/notes/notes.js', '--access', 'user');
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain('"access": "user"');
    const odd = await tessera('function', 'notes', 'notes', 'examples/notes/notes.js', '--access', 'everyone');
    expect([odd.code === 0, odd.stderr]).toEqual([false, expect.stringContaining('INVALID_ARGUMENTS')]);
    expect((await tessera('function', 'notes', 'notes', 'examples/notes/notes.js', '--access', 'public')).stdout).toContain('"access": "public"');
  });

  it("shows a function's logs, and follows new ones live", async () => {
    const logs = await tessera('logs', 'notes', 'notes');
    expect(logs.stdout).toMatch(/\[tessera\] start POST \//);
    expect(logs.stdout).toMatch(/\[tessera\] end 201 in/);
    const follower = spawn(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, 'logs', 'notes', 'notes', '--follow'], {
      cwd: root,
      env: cliEnv(),
    });
    let seen = '';
    follower.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    try {
      const ready = Date.now() + 10_000;
      while (!seen.includes('end 201') && Date.now() < ready) await new Promise((resolve) => setTimeout(resolve, 100));
      await request(`${server.appUrl('notes')}api/notes?live=yes`);
      const deadline = Date.now() + 5000;
      while (!seen.includes('start GET /?live=yes') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen).toContain('start GET /?live=yes');
    } finally {
      follower.kill();
    }
    const metrics = await (await fetch(`${server.url}/api/tenants/notes/functions/notes/metrics`)).json();
    expect(metrics).toMatchObject({ function: 'notes', invocations: 2, errors: 0 });
  });

  it('exports a release for Fission into a folder, as the docs say', async () => {
    const released = await tessera('release', 'notes', '1.0.0');
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toMatch(/^Released notes 1\.0\.0: commit [0-9a-f]{10}, 1 component, 1 function\n$/);
    const out = mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-export-'));
    try {
      const result = await tessera(
        'export',
        'fission',
        'notes',
        '1.0.0',
        '--out',
        out,
        '--data-url',
        'http://tessera.tessera.svc:3000',
        '--namespace',
        'apps',
        '--executor',
        'newdeploy',
        '--max-scale',
        '4',
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('fission spec apply --specdir');
      const fn = readFileSync(path.join(out, 'specs', readdirSync(path.join(out, 'specs')).find((f) => f.startsWith('function-'))!), 'utf8');
      expect(fn).toContain('ExecutorType: newdeploy');
      expect(fn).toContain('MaxScale: 4');
      const secret = readdirSync(path.join(out, 'k8s')).find((f) => f.includes('-data'))!;
      expect(readFileSync(path.join(out, 'k8s', secret), 'utf8')).toContain('url: http://tessera.tessera.svc:3000/data/v1/notes');
      const bad = await tessera('export', 'fission', 'notes', '1.0.0', '--out', out, '--weight', 'x');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/canary-from and --weight|whole number/);
      const readPath = await tessera(
        'export',
        'fission-read-path',
        '--out',
        path.join(out, 'read-path'),
        '--database-url',
        'postgres://u@pgbouncer:6432/tessera',
      );
      expect(readPath.code, readPath.stderr).toBe(0);
      expect(readdirSync(path.join(out, 'read-path', 'archives')).sort()).toEqual([
        'tessera-mfe-registry-zip.zip',
        'tessera-releases-zip.zip',
        'tessera-sdui-config-zip.zip',
      ]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('shows what changed between two releases in words', async () => {
    const added = await fetch(`${server.url}/api/tenants/notes/tools/createFrontendComponent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Footer', code: 'export default function Footer() {\n  return <footer>notes</footer>;\n}\n' }),
    });
    expect(added.status, await added.text()).toBe(200);
    expect((await tessera('release', 'notes', '1.0.1')).stdout).toContain(', 2 components, 1 function\n');
    const diff = await tessera('diff', 'notes', '1.0.0', '1.0.1');
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/^components: added Footer\nfunctions: no change\nblueprint: no change\n\n/);
    expect(diff.stdout).toContain('+export default function Footer()');
  });

  it('answers `agent --cancel` in words', async () => {
    const cancel = await tessera('agent', 'notes', '--cancel');
    expect([cancel.code, cancel.stdout]).toEqual([0, 'No agent run of notes was running.\n']);
  });

  it('sets secrets (from stdin, never echoed) and edits the egress allowlist', async () => {
    const set = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, 'secrets', 'notes', 'set', 'MAIL_KEY'], {
        cwd: root,
        env: cliEnv(),
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
      child.stdin.end('mk_from_stdin_123\n');
    });
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Set MAIL_KEY for notes.\n');
    const list = await tessera('secrets', 'notes');
    expect(list.stdout).toMatch(/^MAIL_KEY\tset /);
    expect(list.stdout).not.toContain('mk_from_stdin_123');
    await fetch(`${server.url}/api/tenants/notes/tools/proposeEgress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ host: 'api.mail.example', reason: 'mail' }),
    });
    expect((await tessera('egress', 'notes')).stdout).toContain('pending: api.mail.example (mail)  -> tessera egress notes allow api.mail.example');
    expect((await tessera('egress', 'notes', 'allow', 'api.mail.example', '*.cdn.example')).stdout).toBe('allowed: *.cdn.example, api.mail.example\n');
    expect((await tessera('egress', 'notes', 'deny', '*.cdn.example')).stdout).toBe('allowed: api.mail.example\n');
    const bad = await tessera('egress', 'notes', 'allow', 'http://nope');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_ARGUMENTS');
    expect((await tessera('secrets', 'notes', 'delete', 'MAIL_KEY')).stdout).toBe('Deleted MAIL_KEY of notes.\n');
  });

  it('signs in with `tessera login` and an API token; without a credential the server says how', async () => {
    const anonymous = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, 'tenants', 'list'], {
      cwd: root,
      env: cliEnv({ TESSERA_TOKEN: undefined }),
    }).catch((err: { code: number; stderr: string }) => err);
    expect((anonymous as { code: number }).code).toBe(1);
    expect((anonymous as { stderr: string }).stderr).toContain('UNAUTHORIZED: Sign in first');
    const made = await (
      await fetch(`${server.url}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: server.token }),
      })
    ).json();
    expect(made.ok).toBe(true);
    // A personal token belongs to a user, not to TESSERA_TOKEN: make one for the built-in admin through its session.
    const cookie = (
      await fetch(`${server.url}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: server.token }),
      })
    ).headers
      .getSetCookie()[0]!
      .split(';')[0]!;
    const created = await (
      await fetch(`${server.url}/api/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-test-anonymous': '1' },
        body: JSON.stringify({ name: 'cli test' }),
      })
    ).json();
    expect(created.token).toMatch(/^tsk_/);
    const login = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, 'login', '--token', created.token], {
      cwd: root,
      env: cliEnv({ TESSERA_TOKEN: undefined }),
    });
    expect(login.stdout).toContain('Signed in to');
    expect(statSync(path.join(configHome, 'tessera', 'credentials.json')).mode & 0o777).toBe(0o600);
    const listed = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, 'tenants', 'list'], {
      cwd: root,
      env: cliEnv({ TESSERA_TOKEN: undefined }),
    });
    expect(listed.stdout).toContain('notes\t');
  });

  it('adds a team member as the README says: a user (password from stdin), a role, and the audit log', async () => {
    const added = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [path.join(root, 'bin', 'tessera.js'), '--url', server.url, 'users', 'add', 'ada', '--email', 'ada@example.test', '--password'],
        { cwd: root, env: cliEnv() },
      );
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
      child.stdin.end('ada-long-password\n');
    });
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`^Created ada\\. One-time sign-in link \\(valid for a day\\):\\n${server.url}/\\?token=tsl_`));
    expect((await tessera('members', 'notes', 'add', 'ada@example.test', 'viewer')).stdout).toBe(
      'Invited ada@example.test as viewer of notes: they join when they accept (`tessera invitations`, or in the builder).\n',
    );
    expect((await tessera('members', 'notes')).stdout).toContain('ada@example.test\tviewer\t(invited, no answer yet)');
    expect((await tessera('members', 'notes')).stdout).not.toContain('ada\tviewer\tada <ada@example.test>');
    // Ada signs in with her password, makes a token for her CLI and accepts; only then is she a viewer, refused writes.
    const signedIn = await fetch(`${server.url}/api/auth/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-anonymous': '1' },
      body: JSON.stringify({ login: 'ada', password: 'ada-long-password' }),
    });
    const cookie = signedIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const adaToken = (
      await (
        await fetch(`${server.url}/api/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, 'x-test-anonymous': '1' },
          body: '{"name":"ada cli"}',
        })
      ).json()
    ).token as string;
    const waiting = await tessera('--token', adaToken, 'invitations');
    const [invitationId, project, role] = waiting.stdout.trim().split('\t');
    expect([project, role]).toEqual(['notes', 'viewer']);
    expect((await tessera('--token', adaToken, 'tenants', 'list')).stdout).not.toContain('notes\t');
    expect((await tessera('--token', adaToken, 'invitations', 'accept', invitationId!)).stdout).toBe('You are viewer of notes.\n');
    expect((await tessera('--token', adaToken, 'invitations')).stdout).toBe('No invitations waiting.\n');
    expect((await tessera('members', 'notes')).stdout).toContain('ada\tviewer\tada <ada@example.test>');
    const refused = await fetch(`${server.url}/api/tenants/notes/tools/updateUILayout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-test-anonymous': '1' },
      body: '{"blueprint":{"version":1,"routes":[]}}',
    });
    expect(refused.status).toBe(403);
    const audit = await tessera('audit', 'notes');
    expect(audit.stdout).toMatch(/admin \(tessera-token\)\tmember\.set ada@example\.test\tok/);
    expect(audit.stdout).toMatch(/ada \(session\)\ttool\.updateUILayout updateUILayout\trefused/);
  });

  it("fails with the server's message and a non-zero exit code", async () => {
    const bad = await tessera('tenants', 'create', 'Not_Valid');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_TENANT_ID');
    const sql = await tessera('tool', 'notes', 'updateDatabaseSchema', '{"sql":"PRAGMA writable_schema=1"}');
    expect(sql.code).toBe(1);
    expect(sql.stderr).toContain('SQL_REFUSED');
    const missing = await tessera('schema', 'notes', 'no/such/file.sql');
    expect(missing.stderr).toContain('Cannot read SQL file');
    const unreachable = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', 'http://127.0.0.1:9', 'tenants', 'list']).catch(
      (err: { stderr: string }) => err,
    );
    expect((unreachable as { stderr: string }).stderr).toContain('Cannot reach Tessera at http://127.0.0.1:9');
  });
});
