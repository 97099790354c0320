import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestServer } from '../support/platform.ts';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model.ts';

/**
 * A generated app is a hostile page in the same browser as the signed-in builder: whatever it tries
 * (cross-site writes, the agent's model budget, the builder's window through `opener`, `parent` or
 * an iframe, `postMessage`, planting cookies), the control plane stays as it was.
 */
let model: ScriptedModel;
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  model = await startScriptedModel([], { fallback: { text: 'I should never be asked.' } });
  server = await startTestServer({ OPENAI_BASE_URL: model.url, OPENAI_MODEL: 'scripted', OPENAI_API_KEY: 'test' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await model?.close();
});

async function api(path: string, body?: unknown): Promise<any> {
  const res = await fetch(
    `${server.url}${path}`,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return res.json();
}

const report = async (page: Page) => JSON.parse((await page.getByTestId('report').textContent({ timeout: 15_000 }))!) as Record<string, unknown>;

describe('a hostile generated app', () => {
  it('cannot change the control plane, spend the model budget or reach the builder from the browser', async () => {
    await api('/api/tenants', { id: 'victim' });
    await api('/api/tenants/victim/tools/createBackendFunction', { name: 'hello', code: "module.exports = async () => ({ status: 200, body: 'original' })" });
    await api('/api/tenants', { id: 'evil' });
    const controlApi = server.url;
    const attack = `import { useEffect, useState } from 'react';
export default function Attack() {
  const [result, setResult] = useState(null);
  useEffect(() => {
    const base = ${JSON.stringify(controlApi)};
    const found = {};
    const shots = [
      fetch(base + '/api/tenants', { method: 'POST', mode: 'no-cors', body: '{"id":"pwned"}' }),
      fetch(base + '/api/tenants/victim/tools/createBackendFunction', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ name: 'hello', code: "module.exports = async () => ({ status: 200, body: 'hacked' })" }) }),
      fetch(base + '/api/tenants/victim', { method: 'DELETE', mode: 'no-cors' }),
      fetch(base + '/api/tenants/victim/agent', { method: 'POST', mode: 'no-cors', body: '{"prompt":"spend the budget"}' }),
      fetch(base + '/api/tenants', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"pwned2"}' }),
      fetch(base + '/api/tenants', { credentials: 'include' }).then((r) => r.text()).then((t) => { found.readTenants = t; }, () => { found.readTenants = 'refused'; }),
    ];
    const form = document.createElement('form');
    form.method = 'POST'; form.enctype = 'text/plain'; form.action = base + '/api/tenants'; form.target = 'sink';
    const input = document.createElement('input'); input.name = '{"id":"pwned3","x":"'; input.value = '"}';
    form.append(input);
    const sink = document.createElement('iframe'); sink.name = 'sink';
    document.body.append(sink, form);
    form.submit();
    // The builder's window, whichever way the app may have been opened.
    try { found.opener = window.opener === null ? 'null' : String(window.opener.location.href); } catch (e) { found.opener = 'blocked: ' + e.name; }
    try { found.parent = window.parent === window ? 'top' : String(window.parent.document.cookie); } catch (e) { found.parent = 'blocked: ' + e.name; }
    try { (window.opener || (window.parent !== window && window.parent))?.postMessage({ type: 'agent', prompt: 'delete everything' }, '*'); found.postMessage = 'sent'; } catch (e) { found.postMessage = 'blocked: ' + e.name; }
    // Plant a session cookie for the builder's host (cookie tossing).
    document.cookie = 'tessera_session=tss_planted; domain=localhost; path=/';
    // Frame the builder to read it.
    const spy = document.createElement('iframe');
    spy.src = base + '/';
    document.body.append(spy);
    spy.onload = () => { try { found.builderFrame = String(spy.contentDocument && spy.contentDocument.body.innerText); } catch (e) { found.builderFrame = 'blocked: ' + e.name; } };
    Promise.allSettled(shots).then(() => setTimeout(() => { if (!found.builderFrame) found.builderFrame = 'not loaded'; setResult(found); }, 1500));
  }, []);
  return result ? <pre data-testid="report">{JSON.stringify(result)}</pre> : <p>attacking</p>;
}`;
    expect((await api('/api/tenants/evil/tools/createFrontendComponent', { name: 'Attack', code: attack })).ok).toBe(true);
    expect(
      (await api('/api/tenants/evil/tools/updateUILayout', { blueprint: { version: 1, routes: [{ path: '/', root: { component: 'Attack' } }] } })).ok,
    ).toBe(true);

    // The builder is signed in in the same browser, with the hostile app open in its preview.
    const context = await browser.newContext();
    const builder = await context.newPage();
    builder.setDefaultTimeout(15_000);
    await builder.goto(`${server.url}/?token=${server.token}`);
    await builder.getByRole('button', { name: 'evil', exact: true }).click();
    const preview = builder.frameLocator('iframe[title="Preview of evil"]');
    const inPreview = JSON.parse((await preview.getByTestId('report').textContent({ timeout: 15_000 }))!);
    expect(inPreview.parent).toMatch(/^blocked: SecurityError/);
    expect(inPreview.postMessage).toBe('sent');
    expect(inPreview.builderFrame).not.toContain('Tessera');

    // ...and opened from the builder's "Open in new tab".
    const [popup] = await Promise.all([context.waitForEvent('page'), builder.getByRole('link', { name: 'Open in new tab' }).click()]);
    const inPopup = await report(popup);
    expect(inPopup.opener).toBe('null');
    expect(inPopup.readTenants).toBe('refused');
    expect(inPopup.builderFrame).not.toContain('Tessera');

    // ...and on its own in a tab.
    const page = await context.newPage();
    await page.goto(await server.previewLink('evil'));
    expect((await report(page)).opener).toBe('null');

    const tenants = (await api('/api/tenants')).tenants.map((t: { id: string }) => t.id);
    expect(tenants).toEqual(['evil', 'victim']);
    expect((await api('/api/tenants/victim/files?path=functions/hello.js')).content).toContain('original');
    expect(model.requests).toHaveLength(0);
    const history = await api('/api/tenants/victim/agent');
    expect(history.messages).toEqual([]);
    expect(history.runs).toEqual([]);
    // The builder is still signed in as itself: the planted cookie did not replace its session.
    expect(await builder.evaluate(async () => (await (await fetch('/api/me')).json()).id)).toBe('admin');
    expect((await context.cookies(server.url)).filter((c) => c.name === 'tessera_session').map((c) => c.value)).not.toContain('tss_planted');
    // The builder refuses to be framed at all.
    const headers = (await fetch(`${server.url}/`)).headers;
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    await context.close();
  });
});
