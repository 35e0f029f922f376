import { describe, expect, it } from 'vitest';
import { diffPolicies } from '../../../src/domain/policies/diff.js';
import { defaultApprovalsPolicy } from '../../../src/policy/kinds/approvals.js';

describe('diffPolicies', () => {
  it('identical documents have no changes', () => {
    expect(diffPolicies(defaultApprovalsPolicy, structuredClone(defaultApprovalsPolicy))).toEqual([]);
  });

  it('reports deep changes with paths, in a stable (sorted) order', () => {
    const a = { z: 1, a: { list: [1, 2, 3], flag: true }, 'odd-key': 'x' };
    const b = { a: { list: [1, 5], flag: true, extra: null }, z: 2, 'odd-key': 'y' };
    expect(diffPolicies(a, b)).toEqual([
      { path: 'a.extra', kind: 'added', after: null },
      { path: 'a.list[1]', kind: 'changed', before: 2, after: 5 },
      { path: 'a.list[2]', kind: 'removed', before: 3 },
      { path: '["odd-key"]', kind: 'changed', before: 'x', after: 'y' },
      { path: 'z', kind: 'changed', before: 1, after: 2 },
    ]);
  });

  it('matches rules by id: a threshold change is one line, an inserted rule does not shift the rest', () => {
    const after = structuredClone(defaultApprovalsPolicy);
    const refund = after.rules.find((r) => r.id === 'refund.over_200')!;
    refund.when = { kind: 'compare', fact: 'amount', op: 'gt', value: 250 };
    after.subjectOwners.refund = 'operations_manager';
    expect(diffPolicies(defaultApprovalsPolicy, after)).toEqual([
      { path: 'rules[id=refund.over_200].when.value', kind: 'changed', before: 200, after: 250 },
      { path: 'subjectOwners.refund', kind: 'changed', before: 'finance', after: 'operations_manager' },
    ]);

    const inserted = structuredClone(defaultApprovalsPolicy);
    inserted.rules.push({ ...structuredClone(refund), id: 'refund.new' });
    const changes = diffPolicies(defaultApprovalsPolicy, inserted);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ path: 'rules[id=refund.new]', kind: 'added' });
  });

  it('reports a change of rule order (first match wins, so order is behaviour)', () => {
    const a = { rules: [{ id: 'x', v: 1 }, { id: 'y', v: 2 }] };
    const b = { rules: [{ id: 'y', v: 2 }, { id: 'x', v: 1 }] };
    expect(diffPolicies(a, b)).toEqual([{ path: 'rules', kind: 'reordered', before: ['x', 'y'], after: ['y', 'x'] }]);
  });

  it('a type change is one change at that path', () => {
    expect(diffPolicies({ a: [1] }, { a: { b: 1 } })).toEqual([{ path: 'a', kind: 'changed', before: [1], after: { b: 1 } }]);
    expect(diffPolicies(1, 2)).toEqual([{ path: '(root)', kind: 'changed', before: 1, after: 2 }]);
  });
});
