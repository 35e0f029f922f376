import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../../src/domain/masterdata/merge-patch.js';
import { patchedSource, type Source } from '../../../src/domain/masterdata/source.js';
import { buildCatalog } from '../../../src/domain/events/all.js';

describe('applyMergePatch (RFC 7396)', () => {
  // The RFC's appendix A, a few of its rows.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j patched with %j is %j', (target, patch, want) => {
    const before = structuredClone(target);
    expect(applyMergePatch(target, patch)).toEqual(want);
    expect(target).toEqual(before);
  });
});

describe('patchedSource', () => {
  const catalog = buildCatalog();
  const acme: Source = { id: 'acme', name: 'Acme', kind: 'supplier', statusMap: { A: 'received' }, eventTypes: ['po.*'], supplierId: 'sup-1' };

  it('keeps what the patch does not name and removes what it sets to null', () => {
    expect(patchedSource(acme, { statusMap: { B: 'shipped' } }, catalog)).toEqual({ ok: true, source: { ...acme, statusMap: { A: 'received', B: 'shipped' } } });
    expect(patchedSource(acme, { eventTypes: null, supplierId: null }, catalog)).toEqual({ ok: true, source: { id: 'acme', name: 'Acme', kind: 'supplier', statusMap: { A: 'received' } } });
  });

  it('judges the merged record as a whole: the schema, then the scope', () => {
    expect(patchedSource(acme, { kind: 'web' }, catalog)).toMatchObject({ ok: false, issues: [{ path: 'supplierId' }] });
    expect(patchedSource(acme, { name: null }, catalog)).toMatchObject({ ok: false, issues: [{ path: 'name' }] });
    expect(patchedSource(acme, { eventTypes: ['po.confirmd'] }, catalog)).toMatchObject({ ok: false, issues: [{ path: 'eventTypes.0' }] });
  });
});
