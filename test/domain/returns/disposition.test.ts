import { describe, expect, it } from 'vitest';
import type { ReturnCaseFacts } from '../../../src/domain/ai/port.js';
import { decideDisposition } from '../../../src/domain/returns/disposition.js';
import { defaultReturnsPolicy as policy } from '../../../src/policy/kinds/returns.js';

const DAY = 86_400_000;
const facts = (over: Partial<ReturnCaseFacts> = {}): ReturnCaseFacts => ({
  reasonText: '',
  category: 'size_fit',
  returnValue: 60,
  deliveredAt: 0,
  requestedAt: 10 * DAY,
  replacementInStock: true,
  supplierWarrantyActive: false,
  customerOrderCount: 10,
  customerReturnCount: 1,
  customerAccountAgeDays: 500,
  ...over,
});

describe('decideDisposition (SPEC §5 fallback rules)', () => {
  it.each(['damaged_in_transit', 'defective', 'missing_parts'] as const)('low value %s → refund without return', (category) => {
    const d = decideDisposition(facts({ category, returnValue: 25 }), policy);
    expect(d).toMatchObject({ disposition: 'refund_without_return', confidence: 1, decidedBy: 'rules', rule: 'low_value', needsApproval: false });
  });

  it('just above low value, damage is inspected instead', () => {
    expect(decideDisposition(facts({ category: 'damaged_in_transit', returnValue: 25.01 }), policy).disposition).toBe('inspection_required');
  });

  it('low value does not refund unseen for reasons outside the list', () => {
    expect(decideDisposition(facts({ category: 'changed_mind', returnValue: 10 }), policy).disposition).toBe('inspection_required');
  });

  it('wrong item → replacement if in stock, else inspection (refund after inspection)', () => {
    expect(decideDisposition(facts({ category: 'wrong_item' }), policy).disposition).toBe('replacement_shipment');
    const none = decideDisposition(facts({ category: 'wrong_item', replacementInStock: false }), policy);
    expect(none).toMatchObject({ disposition: 'inspection_required', rule: 'wrong_item_no_stock' });
  });

  it.each(['size_fit', 'changed_mind'] as const)('%s → inspection required', (category) => {
    expect(decideDisposition(facts({ category }), policy)).toMatchObject({ disposition: 'inspection_required', rule: 'inspection_category' });
  });

  it('outside the 30-day window → reject (binding); day 30 itself is inside', () => {
    expect(decideDisposition(facts({ requestedAt: 30 * DAY }), policy).disposition).toBe('inspection_required');
    const late = decideDisposition(facts({ requestedAt: 31 * DAY }), policy);
    expect(late).toMatchObject({ disposition: 'reject', rule: 'outside_window', binding: true });
    expect(late.rationale).toContain('31 days');
  });

  it('defective under supplier warranty → supplier claim, also outside the window', () => {
    expect(decideDisposition(facts({ category: 'defective', supplierWarrantyActive: true }), policy)).toMatchObject({ disposition: 'supplier_claim', rule: 'supplier_warranty' });
    expect(decideDisposition(facts({ category: 'defective', supplierWarrantyActive: true, requestedAt: 200 * DAY }), policy)).toMatchObject({ disposition: 'supplier_claim', rule: 'warranty_outside_window' });
  });

  it('risky return rate → inspection with approval, even for low-value damage', () => {
    const d = decideDisposition(facts({ category: 'damaged_in_transit', returnValue: 10, customerOrderCount: 10, customerReturnCount: 4 }), policy);
    expect(d).toMatchObject({ disposition: 'inspection_required', needsApproval: true, rule: 'risky_return_rate', binding: true });
  });

  it('a return rate over too few orders says nothing', () => {
    expect(decideDisposition(facts({ customerOrderCount: 1, customerReturnCount: 1 }), policy).needsApproval).toBe(false);
  });

  it('new account with high value → inspection with approval', () => {
    const d = decideDisposition(facts({ category: 'wrong_item', customerAccountAgeDays: 3, returnValue: 450 }), policy);
    expect(d).toMatchObject({ disposition: 'inspection_required', needsApproval: true, rule: 'new_account_high_value' });
    expect(decideDisposition(facts({ category: 'wrong_item', customerAccountAgeDays: 3, returnValue: 50 }), policy).disposition).toBe('replacement_shipment');
  });

  it('thresholds come from the policy', () => {
    const strict = { ...policy, lowValueMax: 5, returnWindowDays: 14 };
    expect(decideDisposition(facts({ category: 'defective', returnValue: 20 }), strict).disposition).toBe('inspection_required');
    expect(decideDisposition(facts({ requestedAt: 20 * DAY }), strict).disposition).toBe('reject');
  });
});
