import { createHash } from 'node:crypto';

const MAX_LABEL = 63;

/**
 * A Kubernetes object name that is a DNS-1123 label (lowercase letters, digits and '-', at most 63
 * characters, alphanumeric at both ends) built from `parts`. A short hash of the original parts is
 * appended whenever the readable form lost information (case, dots, truncation), so two different
 * inputs never share a name: `1.0.0` and `1-0-0` differ, as do two long names with one prefix.
 *
 * @example
 * dnsLabel('notes', 'list-notes', '1.0.0'); // 'notes-list-notes-1-0-0-3f2a9c'
 */
export function dnsLabel(...parts: string[]): string {
  const readable = parts
    .map((part) =>
      part
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean)
    .join('-');
  const lossless = readable === parts.join('-') && readable.length <= MAX_LABEL && /^[a-z0-9]/.test(readable);
  if (lossless) return readable;
  const hash = createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 6);
  const room = MAX_LABEL - hash.length - 1;
  const head = readable.slice(0, room).replace(/-+$/, '') || 'x';
  return `${head}-${hash}`;
}

/** A UUID derived from `seed` (same seed, same UUID): Fission's DeploymentConfig uid must stay stable across exports. */
export function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
