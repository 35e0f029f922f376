import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level: the same data always gives the same text, whatever
 * order a sender (or a re-serialising proxy) put its keys in. Digests are taken over this text.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = sortKeys(value[i]);
    return out;
  }
  const keys = Object.keys(value);
  // Sorted in place by insertion: these objects have a handful of keys, and Array.prototype.sort
  // allocates a work array on every call (a tenth of what the engine allocated under an order
  // load). Same order as sort(): UTF-16 code units.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}

/** One-shot hashing: a quarter of the cost of createHash().update().digest() for short texts (ids, digests). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** An event's payload digest (the inbox's duplicate check): its type and its payload's canonical text. */
export function payloadDigest(type: string, canonicalPayload: string): string {
  return sha256Hex(`${type}\n${canonicalPayload}`);
}

export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
