import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerEvents } from '../../wire/sse.ts';
import { launchChromium } from '../support/browser.ts';
import { startTestServer } from '../support/platform.ts';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model.ts';

const root = path.resolve(import.meta.dirname, '../..');
const example = (file: string) => readFileSync(path.join(root, 'examples', 'notes', file), 'utf8');
const run = promisify(execFile);

let model: ScriptedModel;
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  model = await startScriptedModel([
    { toolCalls: [{ name: 'updateDatabaseSchema', arguments: { sql: example('schema.sql') } }] },
    { toolCalls: [{ name: 'createBackendFunction', arguments: { name: 'notes', code: example('notes.js') } }] },
    // A component that does not compile first: the model sees the error and fixes it.
    { toolCalls: [{ name: 'createFrontendComponent', arguments: { name: 'NotesApp', code: example('NotesApp.tsx').replace('</main>', '</mian>') } }] },
    { toolCalls: [{ name: 'createFrontendComponent', arguments: { name: 'NotesApp', code: example('NotesApp.tsx') } }] },
    { toolCalls: [{ name: 'updateUILayout', arguments: { blueprint: JSON.parse(example('blueprint.json')) } }] },
    { text: 'Your notes app is ready at http://notes.localhost/.' },
    { toolCalls: [{ name: 'describeDatabase', arguments: {} }] },
    { text: 'The notes table is there.' },
  ]);
  server = await startTestServer({ OPENAI_BASE_URL: model.url, OPENAI_MODEL: 'scripted', OPENAI_API_KEY: 'test' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await model?.close();
});

describe('the agent over HTTP, in the browser and in the CLI', () => {
  it('streams a run as server-sent events and the app it built works in the browser', async () => {
    await fetch(`${server.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"notes"}' });
    const res = await fetch(`${server.url}/api/tenants/notes/agent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt":"Build a notes app"}',
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events: Array<{ event: string; data: any }> = [];
    for await (const e of readServerEvents(res.body!)) events.push({ event: e.event, data: JSON.parse(e.data) });
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('run_started');
    expect(names).toContain('usage');
    const results = events.filter((e) => e.event === 'tool_result').map((e) => [e.data.name, e.data.ok]);
    expect(results).toEqual([
      ['updateDatabaseSchema', true],
      ['createBackendFunction', true],
      ['createFrontendComponent', false],
      ['createFrontendComponent', true],
      ['updateUILayout', true],
      // The platform opened the draft in Chromium before the run ended.
      ['checkApp', true],
    ]);
    expect(events.find((e) => e.event === 'tool_result' && !e.data.ok)?.data.error.message).toMatch(/frontend\/NotesApp\.tsx:\d+:\d+/);
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      data: { reason: 'answered', text: 'Your notes app is ready at http://notes.localhost/.', appCheck: { ok: true, problems: [], mode: 'chromium' } },
    });

    const page = await browser.newPage();
    await page.goto(await server.previewLink('notes'));
    await page.getByLabel('New note').fill('Built by the agent');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByTestId('notes').getByText('Built by the agent').waitFor();

    const history = await (await fetch(`${server.url}/api/tenants/notes/agent`)).json();
    expect(history).toMatchObject({ running: false, configured: true });
    expect(history.runs[0]).toMatchObject({ prompt: 'Build a notes app', reason: 'answered', steps: 6 });
  });

  it('runs a prompt headless from the CLI with live progress', async () => {
    const { stdout } = await run(process.execPath, [path.join(root, 'bin', 'tessera.js'), '--url', server.url, 'agent', 'notes', 'What', 'tables', 'exist?'], {
      cwd: root,
      env: { ...process.env, TESSERA_TOKEN: server.token },
    });
    expect(stdout).toContain('── step 1');
    expect(stdout).toContain('→ describeDatabase {}');
    expect(stdout).toContain('✓ describeDatabase');
    expect(stdout).toContain('The notes table is there.');
    expect(stdout).toContain('Done: answered after 2 steps');
    // The second prompt continued the conversation.
    expect(
      model.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'user')
        .map((m) => m.content),
    ).toEqual(['Build a notes app', 'What tables exist?']);
  });

  it('says which variables to set when no model is configured', async () => {
    const bare = await startTestServer();
    try {
      await fetch(`${bare.url}/api/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' });
      const res = await fetch(`${bare.url}/api/tenants/x/agent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"hi"}' });
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.error.code).toBe('MODEL_NOT_CONFIGURED');
      expect(body.error.message).toContain('OPENAI_MODEL');
      expect(
        (await fetch(`${bare.url}/api/tenants/x/agent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":""}' })).status,
      ).toBe(400);
    } finally {
      await bare.close();
    }
  });
});
