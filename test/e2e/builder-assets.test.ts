import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createTestPlatform, type TestPlatform } from '../support/platform.ts';

/**
 * The builder's own files as a browser gets them: its script and stylesheet compressed when the
 * browser accepts it (the same bytes once decompressed), cached for good, and an icon that costs no request.
 */
describe("the builder's assets", () => {
  let test: TestPlatform;
  let app: ReturnType<typeof createApp>;
  const get = (route: string, headers: Record<string, string> = {}) => app.request(route, { headers: { host: 'localhost:3000', ...headers } });

  beforeAll(async () => {
    test = await createTestPlatform();
    app = createApp(test.platform);
  });
  afterAll(() => test?.close());

  /** The script and stylesheet the page links (hashed names, as Vite built them). */
  async function linkedAssets(): Promise<string[]> {
    const html = await (await get('/')).text();
    return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  }

  it('has an inline icon, so no page load asks for /favicon.ico', async () => {
    const html = await (await get('/')).text();
    expect(html).toMatch(/<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,/);
  });

  it('serves each asset brotli- or gzip-compressed as accepted, the same bytes once decompressed', async () => {
    const assets = await linkedAssets();
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const plain = await get(asset);
      expect(plain.status).toBe(200);
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(plain.headers.get('vary')).toBe('accept-encoding');
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const original = Buffer.from(await plain.arrayBuffer());

      const br = await get(asset, { 'accept-encoding': 'gzip, deflate, br' });
      expect([br.status, br.headers.get('content-encoding'), br.headers.get('vary')]).toEqual([200, 'br', 'accept-encoding']);
      expect(br.headers.get('content-type')).toBe(plain.headers.get('content-type'));
      expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const brBytes = Buffer.from(await br.arrayBuffer());
      expect(brBytes.length).toBeLessThan(original.length);
      expect(brotliDecompressSync(brBytes).equals(original)).toBe(true);

      // A client that refuses brotli (q=0) gets gzip.
      const gz = await get(asset, { 'accept-encoding': 'br;q=0, gzip' });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(original)).toBe(true);

      // Only what it cannot decode: the file as it is.
      const identity = await get(asset, { 'accept-encoding': 'identity' });
      expect(identity.headers.get('content-encoding')).toBeNull();
      expect(Buffer.from(await identity.arrayBuffer()).equals(original)).toBe(true);
    }
  });

  it('compresses the main script to well under half its size', async () => {
    const script = (await linkedAssets()).find((a) => a.endsWith('.js'))!;
    const plain = (await (await get(script)).arrayBuffer()).byteLength;
    const br = (await (await get(script, { 'accept-encoding': 'br' })).arrayBuffer()).byteLength;
    expect(br).toBeLessThan(plain / 2);
  });
});
