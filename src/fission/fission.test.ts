import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { makeZip } from './archive.ts';
import { decodeValue, encodeValue } from './modules/wire.ts';
import { dnsLabel, stableUuid } from './names.ts';

const DNS_1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('dnsLabel', () => {
  it('keeps a name that is already a label, and hashes one that lost information', () => {
    expect(dnsLabel('notes', 'list-notes')).toBe('notes-list-notes');
    const versioned = dnsLabel('notes', 'list-notes', '1.0.0');
    expect(versioned).toMatch(/^notes-list-notes-1-0-0-[0-9a-f]{6}$/);
    // "1.0.0" and "1-0-0" read the same but must not share a name.
    expect(dnsLabel('notes', 'list-notes', '1-0-0')).not.toBe(versioned);
  });

  it('always gives a valid label of at most 63 characters, unique per input', () => {
    const inputs = [['a'.repeat(63), 'fn', '1.0.0'], ['a'.repeat(63), 'fn', '1.0.1'], ['X_Y', 'Z'], ['-lead', 'trail-'], ['1.2.3-rc.1+build.5']];
    const labels = inputs.map((parts) => dnsLabel(...parts));
    for (const label of labels) {
      expect(label).toMatch(DNS_1123);
      expect(label.length).toBeLessThanOrEqual(63);
    }
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('derives a stable RFC 4122-shaped UUID', () => {
    expect(stableUuid('tessera/notes')).toBe(stableUuid('tessera/notes'));
    expect(stableUuid('tessera/notes')).not.toBe(stableUuid('tessera/shop'));
    expect(stableUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('makeZip', () => {
  it('is deterministic whatever the insertion order, and unpacks to the same files', () => {
    const a = makeZip({ 'index.js': 'module.exports = 1', 'node_modules/@tessera/db/index.js': 'x' });
    const b = makeZip({ 'node_modules/@tessera/db/index.js': 'x', 'index.js': 'module.exports = 1' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const files = unzipSync(a);
    expect(new TextDecoder().decode(files['index.js'])).toBe('module.exports = 1');
    expect(Object.keys(files).sort()).toEqual(['index.js', 'node_modules/@tessera/db/index.js']);
  });
});

describe('data endpoint wire format', () => {
  it('carries bytes, nested values and plain JSON through a JSON round trip', () => {
    const value = [{ id: 1, photo: Buffer.from([0, 255, 7]), tags: ['a'], meta: { n: null } }, 'text', 3.5, { $other: 1 }];
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(value)))) as any[];
    expect(Buffer.isBuffer(back[0].photo)).toBe(true);
    expect([...back[0].photo]).toEqual([0, 255, 7]);
    expect(back.slice(1)).toEqual(['text', 3.5, { $other: 1 }]);
    expect(back[0].tags).toEqual(['a']);
    expect(encodeValue(10n)).toBe(10);
  });
});
