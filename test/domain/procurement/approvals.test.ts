import { describe, expect, it } from 'vitest';
import { requiredPurchaseApprovals, type PurchaseApprovalRules, type PurchaseOrderDraft } from '../../../src/domain/procurement/index.js';
import { defaultReplenishmentPolicy } from '../../../src/policy/kinds/replenishment.js';

const rules: PurchaseApprovalRules = defaultReplenishmentPolicy.purchaseApprovals;
const draft = (over: Partial<PurchaseOrderDraft> = {}): PurchaseOrderDraft => ({
  supplierId: 'SUP-P',
  primarySupplierId: 'SUP-P',
  lines: [{ sku: 'A', qty: 100, unitCost: 12.5 }],
  expedite: false,
  ...over,
});

describe('purchase order approval gate', () => {
  it('needs nothing for a routine buy from the primary supplier below the value threshold', () => {
    expect(requiredPurchaseApprovals(draft(), rules)).toEqual({ value: 1250, approvals: [] });
  });

  it('sends expedited and emergency buys to procurement', () => {
    const expected = [{ reason: 'expedited', role: 'procurement', approvalSubject: 'emergency_purchase' }];
    expect(requiredPurchaseApprovals(draft({ expedite: true }), rules).approvals).toEqual(expected);
    expect(requiredPurchaseApprovals(draft({ emergency: true }), rules).approvals).toEqual(expected);
  });

  it('needs the value approver above the policy threshold, not at it', () => {
    const at = draft({ lines: [{ sku: 'A', qty: 800, unitCost: 12.5 }] });
    expect(requiredPurchaseApprovals(at, rules).approvals).toEqual([]);
    const above = draft({ lines: [{ sku: 'A', qty: 800, unitCost: 12.5 }, { sku: 'B', qty: 1, unitCost: 0.01 }] });
    expect(requiredPurchaseApprovals(above, rules)).toEqual({
      value: 10_000.01,
      approvals: [{ reason: 'above_value', role: 'category_manager', approvalSubject: null }],
    });
    expect(requiredPurchaseApprovals(draft(), { ...rules, aboveValue: { amount: 1000, role: 'finance' } }).approvals[0]!.role).toBe('finance');
  });

  it('sends a supplier substitution to the category manager, together with any other approval', () => {
    const d = requiredPurchaseApprovals(draft({ supplierId: 'SUP-ALT', expedite: true }), rules);
    expect(d.approvals.map((a) => [a.reason, a.role])).toEqual([
      ['expedited', 'procurement'],
      ['supplier_substitution', 'category_manager'],
    ]);
  });
});
