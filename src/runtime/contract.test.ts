import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalRuntime, type FunctionRequest } from './index.ts';

/**
 * Fission's Node.js environment contract, row by row (../shared/fission/nodejs-env/README.md,
 * "Observed"; test/e2e/fission-contract.test.ts compares against the real server).
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-contract-'));
const runtime = createLocalRuntime({
  dataDir,
  db: () => ({ query: async () => [], execute: async () => ({}) }),
  limits: { timeoutMs: 3000, memoryMb: 64, maxResponseBytes: 64 * 1024 },
});
afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const fn = (name: string, code: string) => ({ name, code, hash: createHash('sha256').update(code).digest('hex') });
const get = (url = '/', headers: Record<string, string> = {}): FunctionRequest => ({ method: 'GET', url, headers, body: Buffer.alloc(0), database: 'live' });
const post = (type: string | null, body: string, url = '/'): FunctionRequest => ({
  method: 'POST',
  url,
  headers: { 'content-length': String(Buffer.byteLength(body)), ...(type ? { 'content-type': type } : {}) },
  body: Buffer.from(body),
  database: 'live',
});
async function call(code: string, request: FunctionRequest = get()) {
  const result = await runtime.invoke('contract', fn('f', code), request);
  return { ...result, status: result.response.status, text: result.response.body.toString('utf8'), type: result.response.headers['content-type'] };
}
const returning = (reply: string) => `const { Readable } = require('stream'); module.exports = async () => (${reply})`;

describe('response mapping (Fission: Express res.send)', () => {
  it.each([
    ['an object as JSON', `{ status: 200, body: { a: 1 } }`, 200, 'application/json; charset=utf-8', '{"a":1}'],
    ['an array as JSON', `{ status: 200, body: [1, 2] }`, 200, 'application/json; charset=utf-8', '[1,2]'],
    ['a number as JSON', `{ status: 200, body: 42 }`, 200, 'application/json; charset=utf-8', '42'],
    ['a boolean as JSON', `{ status: 200, body: false }`, 200, 'application/json; charset=utf-8', 'false'],
    ['a string as HTML', `{ status: 200, body: 'hello' }`, 200, 'text/html; charset=utf-8', 'hello'],
    [
      'a string with its own type, charset added',
      `{ status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hi' }`,
      200,
      'text/plain; charset=utf-8',
      'hi',
    ],
    [
      'a string with a non-text type, charset forced',
      `{ status: 200, headers: { 'content-type': 'application/xml; charset=latin1' }, body: '<a/>' }`,
      200,
      'application/xml; charset=utf-8',
      '<a/>',
    ],
    [
      'an object with a custom JSON type',
      `{ status: 200, headers: { 'content-type': 'application/vnd.api+json' }, body: { a: 1 } }`,
      200,
      'application/vnd.api+json; charset=utf-8',
      '{"a":1}',
    ],
    ['a Buffer as octet-stream', `{ status: 200, body: Buffer.from('raw') }`, 200, 'application/octet-stream', 'raw'],
    ['a Uint8Array as octet-stream', `{ status: 200, body: new Uint8Array([65, 66]) }`, 200, 'application/octet-stream', 'AB'],
    ['a Buffer with an image type', `{ status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from('png') }`, 200, 'image/png', 'png'],
    ['a Readable stream, no default type', `{ status: 200, body: Readable.from(['a', 'b']) }`, 200, undefined, 'ab'],
    ['a null body as empty, no type', `{ status: 200, body: null }`, 200, undefined, ''],
    ['no body as empty, no type', `{ status: 201 }`, 201, undefined, ''],
    ['204 without body or type', `{ status: 204, headers: { 'content-type': 'text/plain' }, body: 'dropped' }`, 204, undefined, ''],
  ])('sends %s', async (_name, reply, status, type, text) => {
    const answer = await call(returning(reply));
    expect([answer.status, answer.type, answer.text]).toEqual([status, type, text]);
  });

  it('keeps the status and the headers (lowercased; arrays joined; framing headers dropped)', async () => {
    const answer = await call(returning(`{ status: 201, headers: { 'X-Id': 5, 'x-list': ['a', 'b'], 'content-length': '999' }, body: 'made' }`));
    expect(answer.status).toBe(201);
    expect(answer.response.headers).toEqual({ 'x-id': '5', 'x-list': 'a, b', 'content-type': 'text/html; charset=utf-8' });
  });

  it('sends no body for HEAD', async () => {
    const answer = await call(returning(`{ status: 200, body: 'page' }`), { ...get(), method: 'HEAD' });
    expect([answer.status, answer.type, answer.text]).toEqual([200, 'text/html; charset=utf-8', '']);
  });

  it('answers a thrown error or a rejection with Fission\'s 500 "Internal server error", the stack in the logs', async () => {
    for (const code of [
      `module.exports = async () => { throw new Error('kaput') }`,
      `module.exports = (ctx) => { throw new Error('kaput') }`,
      `module.exports = () => Promise.reject(new Error('kaput'))`,
    ]) {
      const answer = await call(code);
      expect([answer.status, answer.type, answer.text]).toEqual([500, 'text/html; charset=utf-8', 'Internal server error']);
      expect(answer.logs.find((l) => l.level === 'error')?.message).toMatch(/^Function error: Error: kaput\n\s+at .*functions\/f\.js:1:/);
    }
  });

  it.each([
    ['undefined', `undefined`, 'function returned undefined'],
    ['no status (Fission never answers)', `{ body: 'x' }`, 'function returned no numeric status (got undefined)'],
    ['status 0 (Fission never answers)', `{ status: 0 }`, 'function returned no numeric status (got 0)'],
    ['a string (Fission never answers)', `'just text'`, 'function returned string'],
    ['a status as a string', `{ status: '200', body: 'x' }`, 'the status "200" as a string'],
    ['a status HTTP cannot carry here', `{ status: 700 }`, 'whole number from 200 to 599'],
    ['a header with a line break', `{ status: 200, headers: { 'x-a': 'a\\nb' } }`, 'characters HTTP does not allow'],
    ['a body JSON cannot hold', `{ status: 200, body: { n: 1n } }`, 'cannot be sent as JSON'],
  ])('answers 500 FUNCTION_FAILED with a clear message for %s', async (_name, reply, message) => {
    const answer = await call(returning(reply));
    expect(answer.status).toBe(500);
    expect(answer.type).toBe('application/json; charset=utf-8');
    const { error } = JSON.parse(answer.text);
    expect(error.code).toBe('FUNCTION_FAILED');
    expect(error.message).toContain(message);
  });
});

describe('calling convention', () => {
  it('calls (context, callback) with callback(status, body, headers); the first answer wins', async () => {
    const answer = await call(`module.exports = function (context, callback) { callback(202, { via: 'callback' }, { 'x-cb': '1' }); callback(500, 'late') }`);
    expect([answer.status, answer.text, answer.response.headers['x-cb']]).toEqual([202, '{"via":"callback"}', '1']);
  });

  it('answers 500 when a callback-style function throws or rejects (Fission hangs on the rejection)', async () => {
    expect((await call(`module.exports = (context, callback) => { throw new Error('sync') }`)).text).toBe('Internal server error');
    expect((await call(`module.exports = async (context, callback) => { throw new Error('async') }`)).text).toBe('Internal server error');
    const express = await call(`module.exports = (req, res) => res.status(200).send('express style')`);
    expect(express.status).toBe(500);
    expect(express.logs.map((l) => l.message).join('\n')).toContain("Fission's callback(status, body, headers)");
  });

  it('calls a function without parameters with no arguments, as Fission does', async () => {
    expect((await call(`module.exports = (...args) => ({ status: 200, body: { n: args.length } })`)).text).toBe('{"n":0}');
  });

  it('takes `default` when module.exports is not a function (exports.default, ESM compiled by esbuild)', async () => {
    expect((await call(`exports.default = async () => ({ status: 200, body: 'default' })`)).text).toBe('default');
    expect(
      (await call(`Object.defineProperty(exports, '__esModule', { value: true }); exports.default = async (ctx) => ({ status: 200, body: 'esm' })`)).text,
    ).toBe('esm');
  });

  it('lets a reply written to context.response stand, as on Fission, with a warning', async () => {
    const answer = await call(
      `module.exports = async ({ response }) => { response.status(201).set('X-Way', 'res').send('via response'); return { status: 200, body: 'ignored' } }`,
    );
    expect([answer.status, answer.text, answer.response.headers['x-way']]).toEqual([201, 'via response', 'res']);
    expect(answer.logs[0]).toMatchObject({ level: 'warn', message: expect.stringContaining('context.response.status() is not part of the function contract') });
    const json = await call(`module.exports = async ({ response }) => { response.json({ a: 1 }); return new Promise(() => {}) }`);
    expect([json.status, json.type, json.text]).toEqual([200, 'application/json; charset=utf-8', '{"a":1}']);
  });
});

describe('the request a function sees', () => {
  const echo = `module.exports = async ({ request: r }) => ({ status: 200, body: { method: r.method, url: r.url, path: r.path, query: r.query, nullProto: Object.getPrototypeOf(r.query) === null, headers: r.headers, agent: r.get('User-Agent'), params: r.params,
    body: Buffer.isBuffer(r.body) ? 'buffer:' + r.body.toString() : r.body === undefined ? 'undefined' : r.body } })`;
  const see = async (request: FunctionRequest) => JSON.parse((await call(echo, request)).text);

  it('has method, url, path, lowercase headers, get() and empty params', async () => {
    const seen = await see({ method: 'get', url: '/sub/path?x=1', headers: { 'User-Agent': 'probe' }, body: Buffer.alloc(0), database: 'live' });
    expect(seen).toMatchObject({
      method: 'GET',
      url: '/sub/path?x=1',
      path: '/sub/path',
      headers: { 'user-agent': 'probe' },
      agent: 'probe',
      params: {},
      body: 'undefined',
    });
  });

  it('parses the query like Express 5 ("simple"): repeated keys become arrays, brackets stay flat', async () => {
    const seen = await see(get('/?a=1&a=2&o[k]=v&p=a+b&e&bad=%ZZ'));
    expect(seen.query).toEqual({ a: ['1', '2'], 'o[k]': 'v', p: 'a b', e: '', bad: '%ZZ' });
    expect(seen.nullProto).toBe(true);
  });

  it.each([
    ['JSON', post('application/json', '{"n":1,"list":["a"]}'), { n: 1, list: ['a'] }],
    ['JSON with a charset', post('application/json; charset=utf-8', '[1]'), [1]],
    ['an empty JSON body', post('application/json', ''), {}],
    ['urlencoded, repeated keys as arrays', post('application/x-www-form-urlencoded', 'a=1&a=2&b=x+y&o[k]=v'), { a: ['1', '2'], b: 'x y', 'o[k]': 'v' }],
    ['text/*', post('text/csv', 'a,b'), 'a,b'],
    ['an empty text body', post('text/plain', ''), ''],
    ['octet-stream', post('application/octet-stream', 'bytes'), 'buffer:bytes'],
    ['another type, raw', post('application/xml', '<a/>'), 'buffer:<a/>'],
  ])('parses %s', async (_name, request, body) => {
    expect((await see(request)).body).toEqual(body);
  });

  it('refuses bad JSON and JSON that is not an object or array with 400, before the function runs', async () => {
    for (const body of ['{oops', '"just a string"']) {
      const answer = await call(echo, post('application/json', body));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error.code).toBe('INVALID_JSON');
    }
  });

  it('refuses a request body over 1 MB with 413, before the sandbox', async () => {
    const answer = await call(echo, post('text/plain', 'x'.repeat(1024 * 1024 + 1)));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
