import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from '../support/browser.ts';

const fixture = useServerAndBrowser();

async function api(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${fixture.server.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}


describe('a hostile generated app', () => {
  it('cannot change the control plane from the browser', async () => {
    await api('/api/tenants', { id: 'victim' });
    await api('/api/tenants/victim/tools/createBackendFunction', { name: 'hello', code: "module.exports = async () => ({ status: 200, body: 'original' })" });
    await api('/api/tenants', { id: 'evil' });
    const controlApi = fixture.server.url;
    const attack = `import { useEffect, useState } from 'react';
export default function Attack() {
  const [done, setDone] = useState(false);
  useEffect(() => {
    const base = ${JSON.stringify(controlApi)};
    const shots = [
      fetch(base + '/api/tenants', { method: 'POST', mode: 'no-cors', body: '{"id":"pwned"}' }),
      fetch(base + '/api/tenants/victim/tools/createBackendFunction', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ name: 'hello', code: "module.exports = async () => ({ status: 200, body: 'hacked' })" }) }),
      fetch(base + '/api/tenants/victim', { method: 'DELETE', mode: 'no-cors' }),
      fetch(base + '/api/tenants', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"pwned2"}' }),
    ];
    const form = document.createElement('form');
    form.method = 'POST'; form.enctype = 'text/plain'; form.action = base + '/api/tenants'; form.target = 'sink';
    const input = document.createElement('input'); input.name = '{"id":"pwned3","x":"'; input.value = '"}';
    form.append(input);
    const frame = document.createElement('iframe'); frame.name = 'sink';
    document.body.append(frame, form);
    form.submit();
    Promise.allSettled(shots).then(() => setTimeout(() => setDone(true), 500));
  }, []);
  return <p>{done ? 'attack finished' : 'attacking'}</p>;
}`;
    expect((await api('/api/tenants/evil/tools/createFrontendComponent', { name: 'Attack', code: attack })).ok).toBe(true);
    expect((await api('/api/tenants/evil/tools/updateUILayout', { blueprint: { version: 1, routes: [{ path: '/', root: { component: 'Attack' } }] } })).ok).toBe(true);

    // The builder is signed in in the same browser: the app's requests could carry its session cookie.
    const context = await fixture.browser.newContext();
    const builder = await context.newPage();
    await builder.goto(`${fixture.server.url}/?token=${fixture.server.token}`);
    await builder.getByText('evil').first().waitFor();
    const page = await context.newPage();
    await page.goto(fixture.server.appUrl('evil'));
    await page.getByText('attack finished').waitFor();

    const tenants = (await api('/api/tenants')).tenants.map((t: { id: string }) => t.id);
    expect(tenants).toEqual(['evil', 'victim']);
    const source = await api('/api/tenants/victim/files?path=functions/hello.js');
    expect(source.content).toContain('original');
  });
});
