import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer } from '../support/dns.ts';
import { request, type SimpleResponse } from '../support/http.ts';
import { startTestServer } from '../support/platform.ts';
import { startSmtpPeer } from '../support/smtp-peer.ts';

/**
 * App mail (docs/app-users.md, "Email"), end to end: a function's `@tessera/email` and an app user's
 * reset mail, kept in the outbox without SMTP secrets, and sent to a real SMTP server on loopback
 * (the `smtp-server` package) when the app has SMTP_URL and EMAIL_FROM and the host is on its egress
 * allowlist, by fetch's address rules. The SMTP password never shows anywhere.
 */
const SMTP_USER = 'journal-mailer';
const SMTP_PASS = 'smtp-pa55word-9f3k';
const RATE = 6;
let server: Awaited<ReturnType<typeof startTestServer>>;
let peer: Awaited<ReturnType<typeof startSmtpPeer>>;
let dns: Awaited<ReturnType<typeof startDnsServer>>;

const MAILER = `const email = require('@tessera/email');
module.exports = async (context) => {
  try {
    return { status: 200, body: await email.send(context.request.body) };
  } catch (err) {
    return { status: 400, body: { error: err.message, code: err.code } };
  }
};`;

function admin(path: string, options: { method?: string; body?: unknown } = {}): Promise<SimpleResponse> {
  return request(`${server.url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

const port = (): number => server.server.port;
function onApp(app: string, path: string, body?: unknown): Promise<SimpleResponse> {
  return request(`http://127.0.0.1:${port()}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    host: `draft.${app}.localhost:${port()}`,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Calls the app's mailer function with `mail` as its argument; the function answers `{ id }` or `{ error, code }`. */
async function send(app: string, mail: unknown): Promise<{ status: number; body: any }> {
  const res = await onApp(app, '/api/mailer', mail);
  return { status: res.status, body: res.json() };
}

async function setSecret(app: string, name: string, value: string): Promise<void> {
  const res = await admin(`/api/tenants/${app}/secrets/${name}`, { method: 'PUT', body: { value } });
  expect(res.status, res.text).toBe(200);
}
async function allow(app: string, hosts: string[]): Promise<void> {
  const res = await admin(`/api/tenants/${app}/egress`, { method: 'PUT', body: { allow: hosts } });
  expect(res.status, res.text).toBe(200);
}
const outbox = async (app: string): Promise<any[]> => (await admin(`/api/tenants/${app}/outbox`)).json().mail;

beforeAll(async () => {
  peer = await startSmtpPeer({ user: SMTP_USER, pass: SMTP_PASS });
  dns = await startDnsServer({ 'private-smtp.test': '10.0.0.1', 'loop-smtp.test': '127.0.0.1', 'metadata-smtp.test': '169.254.169.254' });
  server = await startTestServer({
    TESSERA_EGRESS_LOOPBACK_PORTS: String(peer.port),
    TESSERA_EGRESS_DNS: dns.address,
    EMAIL_RATE_PER_HOUR: String(RATE),
    EGRESS_TIMEOUT_MS: '3000',
  });
  for (const id of ['plain', 'journal', 'fenced', 'limited']) {
    expect((await admin('/api/tenants', { body: { id } })).status).toBe(201);
    const fn = await admin(`/api/tenants/${id}/tools/createBackendFunction`, { body: { name: 'mailer', code: MAILER } });
    expect(fn.json().ok, fn.text).toBe(true);
  }
}, 120_000);
afterAll(async () => {
  await server?.close();
  await peer?.close();
  dns?.close();
});

describe('without SMTP secrets', () => {
  it("keeps the mail in the app's outbox, where its owner reads it", async () => {
    const sent = await send('plain', { to: 'ada@example.com', subject: 'Welcome', text: 'Hello Ada', html: '<p>Hello Ada</p>' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const [mail] = await outbox('plain');
    expect(mail).toMatchObject({
      id: sent.body.id,
      to: 'ada@example.com',
      subject: 'Welcome',
      text: 'Hello Ada',
      html: '<p>Hello Ada</p>',
      via: 'outbox',
      status: 'stored',
    });
    expect(peer.mails).toHaveLength(0);
  });

  it('refuses bad arguments with a message naming the field, and records nothing', async () => {
    const before = (await outbox('plain')).length;
    const cases: Array<[unknown, RegExp]> = [
      [{ subject: 'Hi', text: 'x' }, /"to" must be an email address/],
      [{ to: 'not an address', subject: 'Hi', text: 'x' }, /"to" must be an email address/],
      [{ to: [], subject: 'Hi', text: 'x' }, /"to" must name at least one address/],
      [{ to: ['ada@example.com', 'bob'], subject: 'Hi', text: 'x' }, /"to\[1\]" must be an email address/],
      [{ to: 'ada@example.com', subject: 'Hi' }, /needs a text or an html body/],
      [{ to: 'ada@example.com', subject: '', text: 'x' }, /"subject" must not be empty/],
      [{ to: 'ada@example.com', subject: 'x'.repeat(999), text: 'x' }, /"subject" is longer than 998 characters/],
      [{ to: 'ada@example.com', subject: 'Hi', text: 7 }, /"text" must be a string/],
      [{ to: 'ada@example.com', subject: 'Hi', text: 'x', from: 'ceo@bank.example' }, /unknown field "from".*EMAIL_FROM/],
      [{ to: 'ada@example.com', subject: 'Hi', text: 'x', bcc: 'spy@example.com' }, /unknown field "bcc"/],
      [['ada@example.com'], /must be an object/],
    ];
    for (const [mail, message] of cases) {
      const res = await send('plain', mail);
      expect(res.status, JSON.stringify(mail)).toBe(400);
      expect(res.body.code, `${JSON.stringify(mail)}: ${JSON.stringify(res.body)}`).toBe('INVALID_ARGUMENTS');
      expect(res.body.error).toMatch(/^@tessera\/email send\(\): /);
      expect(res.body.error).toMatch(message);
    }
    expect(await outbox('plain')).toHaveLength(before);
  });
});

describe('with SMTP_URL and EMAIL_FROM', () => {
  it('refuses a host that is not on the allowlist: nothing reaches the server, the outbox says why', async () => {
    await setSecret('journal', 'SMTP_URL', `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${peer.port}`);
    await setSecret('journal', 'EMAIL_FROM', 'Journal <journal@example.com>');
    const res = await send('journal', { to: 'ada@example.com', subject: 'Too early', text: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('EMAIL_FAILED');
    expect(res.body.error).toMatch(new RegExp(`SMTP server 127\\.0\\.0\\.1:${peer.port} refused: .*not on this app's egress allowlist`));
    expect(peer.mails).toHaveLength(0);
    expect((await outbox('journal'))[0]).toMatchObject({ subject: 'Too early', via: 'smtp', status: 'failed', error: expect.stringMatching(/allowlist/) });
  });

  it('sends to an allowed host: recipients, subject, text, HTML and the sender arrive at the SMTP server', async () => {
    await allow('journal', [`127.0.0.1:${peer.port}`]);
    const res = await send('journal', {
      to: ['ada@example.com', 'bob@example.com'],
      subject: 'Your weekly journal — ünïcode',
      text: 'Seven entries this week.',
      html: '<h1>Seven entries</h1>',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const mail = await peer.waitFor((m) => m.to.includes('bob@example.com'));
    expect(mail.user).toBe(SMTP_USER);
    expect(mail.from).toBe('journal@example.com');
    expect(mail.to).toEqual(['ada@example.com', 'bob@example.com']);
    expect(mail.headers.from).toBe('Journal <journal@example.com>');
    expect(mail.headers.to).toBe('ada@example.com, bob@example.com');
    expect(mail.headers.subject).toMatch(/^=\?UTF-8\?/); // encoded by nodemailer, decoded below
    expect(decodeMimeWords(mail.headers.subject!)).toBe('Your weekly journal — ünïcode');
    expect(mail.text).toBe('Seven entries this week.');
    expect(mail.html).toBe('<h1>Seven entries</h1>');
    expect((await outbox('journal'))[0]).toMatchObject({ id: res.body.id, via: 'smtp', status: 'sent', to: 'ada@example.com, bob@example.com' });
    const logs = (await admin('/api/tenants/journal/functions/mailer/logs')).text;
    expect(logs).toContain('sent by SMTP');
  });

  it('reset mail of an app user goes by SMTP too, with a link that works', async () => {
    const signUp = await onApp('journal', '/_tessera/auth/signup', { email: 'rae@example.com', password: 'rae-old-password' });
    expect(signUp.status, signUp.text).toBe(201);
    expect((await onApp('journal', '/_tessera/auth/reset', { email: 'rae@example.com' })).status).toBe(202);
    const mail = await peer.waitFor((m) => m.to.includes('rae@example.com'));
    expect(mail.headers.subject).toBe('Reset your password');
    expect(mail.headers.from).toBe('Journal <journal@example.com>');
    const link = new RegExp(`http://draft\\.journal\\.localhost:${port()}/_tessera/auth/reset\\?token=(tar_[\\w%-]+)`).exec(mail.text);
    expect(link, mail.text).not.toBeNull();
    const token = decodeURIComponent(link![1]!);
    expect((await onApp('journal', `/_tessera/auth/reset?token=${encodeURIComponent(token)}`)).status).toBe(200);
    const confirmed = await onApp('journal', '/_tessera/auth/reset/confirm', { token, password: 'rae-new-password' });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect((await onApp('journal', '/_tessera/auth/signin', { email: 'rae@example.com', password: 'rae-new-password' })).status).toBe(200);
    await expect.poll(async () => (await outbox('journal')).find((m) => m.to === 'rae@example.com')?.status).toBe('sent');
  });

  it('names the host and reason when the server refuses, and never shows the password', async () => {
    await setSecret('journal', 'SMTP_URL', `smtp://${SMTP_USER}:wrong-${SMTP_PASS}@127.0.0.1:${peer.port}`);
    const received = peer.mails.length;
    const res = await send('journal', { to: 'ada@example.com', subject: 'Wrong password', text: 'x' });
    expect(res.body.code).toBe('EMAIL_FAILED');
    expect(res.body.error).toMatch(new RegExp(`SMTP server 127\\.0\\.0\\.1:${peer.port}: Invalid login: 535`));
    expect(peer.mails).toHaveLength(received);
    const seen = [
      JSON.stringify(res.body),
      JSON.stringify(await outbox('journal')),
      (await admin('/api/tenants/journal/functions/mailer/logs')).text,
      (await admin('/api/tenants/journal/secrets')).text,
    ].join('\n');
    expect(seen).toContain('Invalid login');
    expect(seen).not.toContain(SMTP_PASS);
    await setSecret('journal', 'SMTP_URL', `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${peer.port}`);
  });

  it('refuses a host name that resolves to a private, link-local or loopback address, even when allowed', async () => {
    await setSecret('fenced', 'EMAIL_FROM', 'fenced@example.com');
    for (const [host, reason] of [
      ['private-smtp.test', /private-smtp\.test resolves to 10\.0\.0\.1 is a private address/],
      ['metadata-smtp.test', /resolves to 169\.254\.169\.254 is a link-local address/],
      ['loop-smtp.test', /loop-smtp\.test resolves to 127\.0\.0\.1 is a loopback address/],
    ] as const) {
      await setSecret('fenced', 'SMTP_URL', `smtp://${SMTP_USER}:${SMTP_PASS}@${host}:${peer.port}`);
      await allow('fenced', [`${host}:${peer.port}`]);
      const res = await send('fenced', { to: 'ada@example.com', subject: `Via ${host}`, text: 'x' });
      expect(res.body.code, JSON.stringify(res.body)).toBe('EMAIL_FAILED');
      expect(res.body.error).toMatch(reason);
      expect(res.body.error).not.toContain(SMTP_PASS);
    }
    expect(peer.mails.filter((m) => m.from === 'fenced@example.com')).toHaveLength(0);
  });

  it('refuses an allowed host on another port than the one allowed', async () => {
    await setSecret('fenced', 'SMTP_URL', `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${peer.port}`);
    await allow('fenced', ['127.0.0.1']);
    const res = await send('fenced', { to: 'ada@example.com', subject: 'Other port', text: 'x' });
    expect(res.body.error).toMatch(/not on this app's egress allowlist/);
    expect(peer.mails.filter((m) => m.from === 'fenced@example.com')).toHaveLength(0);
  });
});

describe('hostile arguments', () => {
  it('cannot add recipients or headers through line breaks in to or subject', async () => {
    const received = peer.mails.length;
    for (const mail of [
      { to: 'ada@example.com\r\nBcc: spy@evil.example', subject: 'Hi', text: 'x' },
      { to: ['ada@example.com', 'spy@evil.example>\r\nRCPT TO:<x@evil.example'], subject: 'Hi', text: 'x' },
      { to: 'ada@example.com', subject: 'Hi\r\nBcc: spy@evil.example', text: 'x' },
      { to: 'ada@example.com', subject: 'Hi\nX-Smtp: smtp://evil.example', text: 'x' },
      { to: 'ada@example.com', subject: 'Hi\rBcc: spy@evil.example', text: 'x' },
    ]) {
      const res = await send('journal', mail);
      expect(res.body.code, JSON.stringify(mail)).toBe('INVALID_ARGUMENTS');
    }
    expect(peer.mails).toHaveLength(received);
    expect(peer.mails.flatMap((m) => m.to)).not.toContain('spy@evil.example');
  });
});

describe('the per-app rate limit', () => {
  it(`refuses the ${RATE + 1}th mail in an hour with EMAIL_RATE_LIMITED, for that app only`, async () => {
    for (let i = 0; i < RATE; i++) expect((await send('limited', { to: 'ada@example.com', subject: `No. ${i}`, text: 'x' })).status).toBe(200);
    const res = await send('limited', { to: 'ada@example.com', subject: 'One too many', text: 'x' });
    expect(res.body.code).toBe('EMAIL_RATE_LIMITED');
    expect(res.body.error).toMatch(new RegExp(`sent ${RATE} mails in the last hour, its limit \\(EMAIL_RATE_PER_HOUR=${RATE}\\)`));
    expect(await outbox('limited')).toHaveLength(RATE);
    expect((await send('plain', { to: 'ada@example.com', subject: 'Still fine', text: 'x' })).status).toBe(200);
  });
});

/** RFC 2047 encoded words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=) back to text. */
function decodeMimeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, kind: string, data: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(
          data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );
}
