import { describe, expect, it } from 'vitest';
import { canonicalJson, digestOf } from '../../src/domain/canonical-json.js';

/** The definition, written the plain way: keys sorted with Array.prototype.sort at every level. */
function reference(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) if ((v as Record<string, unknown>)[k] !== undefined) out[k] = sorted((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sorted(value));
}

/** A small deterministic generator (no Math.random: a failure must replay). */
function generator(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const keys = ['a', 'B', 'b', 'é', 'Z', '10', '9', '01', '_x', 'sku', 'locationId', 'qty', ''];
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.3) return [1, -2.5, 'text', null, true, undefined, 1e21, 'ünï'][Math.floor(next() * 8)];
    if (r < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    const n = Math.floor(next() * 7);
    for (let i = 0; i < n; i++) o[keys[Math.floor(next() * keys.length)]!] = value(depth + 1);
    return o;
  };
  return value;
}

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined members, whatever order they were added in', () => {
    const a = { z: 1, a: { y: [3, { k: 2, b: 1 }], c: undefined }, m: null };
    const b = { m: null, a: { y: [3, { b: 1, k: 2 }] }, z: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"y":[3,{"b":1,"k":2}]},"m":null,"z":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(digestOf(a)).toBe(digestOf(b));
  });

  it('keeps array order, writes undefined array items as null, and integer-like keys first (as JSON does)', () => {
    expect(canonicalJson([undefined, 2, 1])).toBe('[null,2,1]');
    expect(canonicalJson({ b: 1, '10': 2, '9': 3, a: 4 })).toBe('{"9":3,"10":2,"a":4,"b":1}');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(null)).toBe('null');
  });

  it('gives the same text as the plain definition on 2,000 generated values', () => {
    const value = generator(42);
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });
});
