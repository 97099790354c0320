/**
 * How database values cross the data endpoint as JSON: bytes (SQLite BLOBs, Buffer parameters)
 * travel as `{"$bytes": "<base64>"}`, everything else as plain JSON. Both ends use this file, so a
 * function sees the same values through the remote transport as through the local runtime.
 */

type Bytes = { $bytes: string };

const isBytesTag = (value: unknown): value is Bytes =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as Bytes).$bytes === 'string';

export function encodeValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v)]));
  }
  return value;
}

export function decodeValue(value: unknown): unknown {
  if (isBytesTag(value)) return Buffer.from(value.$bytes, 'base64');
  if (Array.isArray(value)) return value.map(decodeValue);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v)]));
  return value;
}
