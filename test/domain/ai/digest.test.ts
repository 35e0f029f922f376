import { describe, expect, it } from 'vitest';
import { canonicalJson, inputDigest, normalizeText } from '../../../src/domain/ai/digest.js';

describe('input digest', () => {
  it('ignores case, Unicode form and spacing, so the same question gets the same digest', () => {
    expect(normalizeText('  Too   SMALL\n')).toBe('too small');
    expect(inputDigest('return-reason', { text: 'Too  small', context: {} })).toBe(inputDigest('return-reason', { text: 'too small ', context: {} }));
  });

  it('does not depend on key order, but does on task and content', () => {
    const a = inputDigest('t', { text: 'x', context: { channel: 'web', code: 'A' } });
    expect(inputDigest('t', { context: { code: 'A', channel: 'web' }, text: 'x' })).toBe(a);
    expect(inputDigest('u', { text: 'x', context: { channel: 'web', code: 'A' } })).not.toBe(a);
    expect(inputDigest('t', { text: 'y', context: { channel: 'web', code: 'A' } })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('canonical JSON sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});
