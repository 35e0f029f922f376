import { describe, expect, it } from 'vitest';
import { checkReturnEligibility } from '../../../src/domain/returns/eligibility.js';
import type { ReturnRequest } from '../../../src/domain/returns/eligibility.js';
import { defaultReturnsPolicy as policy } from '../../../src/policy/kinds/returns.js';

const DAY = 86_400_000;
const request = (over: Partial<ReturnRequest> = {}): ReturnRequest => ({
  lines: [{ lineId: '1', quantity: 1 }],
  orderLines: [
    { lineId: '1', sku: 'A', deliveredQuantity: 3, returnedQuantity: 1, returnable: true },
    { lineId: '2', sku: 'FOOD', deliveredQuantity: 2, returnedQuantity: 0, returnable: false },
    { lineId: '3', sku: 'A', deliveredQuantity: 1, returnedQuantity: 0, returnable: true },
  ],
  deliveredAt: 0,
  requestedAt: 5 * DAY,
  ...over,
});

describe('checkReturnEligibility', () => {
  it('accepts a return within the window and the returnable quantity, merging request lines of one order line', () => {
    expect(checkReturnEligibility(request({ lines: [{ lineId: '1', quantity: 1 }, { lineId: '1', quantity: 1 }] }), policy)).toEqual({ eligible: true, lines: [{ lineId: '1', quantity: 2 }] });
  });

  it('never more than delivered minus already returned', () => {
    expect(checkReturnEligibility(request({ lines: [{ lineId: '1', quantity: 2 }, { lineId: '1', quantity: 1 }] }), policy)).toEqual({
      eligible: false,
      problems: [{ code: 'quantity_exceeds', lineId: '1', sku: 'A', requested: 3, returnable: 2 }],
    });
  });

  it('the limit is per order line: another line of the same sku lends it nothing, and an overdrawn line lends nothing either', () => {
    expect(checkReturnEligibility(request({ lines: [{ lineId: '3', quantity: 2 }] }), policy)).toEqual({
      eligible: false,
      problems: [{ code: 'quantity_exceeds', lineId: '3', sku: 'A', requested: 2, returnable: 1 }],
    });
    const overdrawn = request({
      lines: [{ lineId: '3', quantity: 1 }],
      orderLines: [
        { lineId: '1', sku: 'A', deliveredQuantity: 1, returnedQuantity: 0, returnable: true },
        { lineId: '3', sku: 'A', deliveredQuantity: 1, returnedQuantity: 2, returnable: true },
      ],
    });
    expect(checkReturnEligibility(overdrawn, policy)).toEqual({ eligible: false, problems: [{ code: 'quantity_exceeds', lineId: '3', sku: 'A', requested: 1, returnable: 0 }] });
  });

  it('reports every problem at once: window, non-returnable, unknown line, bad quantity', () => {
    const r = checkReturnEligibility(
      request({
        requestedAt: 31 * DAY,
        lines: [{ lineId: '2', quantity: 1 }, { lineId: '9', quantity: 1 }, { lineId: '1', quantity: 0 }],
      }),
      policy,
    );
    expect(r.eligible).toBe(false);
    if (r.eligible) return;
    expect(r.problems.map((p) => p.code)).toEqual(['outside_window', 'invalid_quantity', 'not_returnable', 'not_on_order']);
    expect(r.problems[0]).toMatchObject({ daysSinceDelivery: 31, windowEndsAt: 30 * DAY });
    expect(r.problems.slice(1)).toEqual([
      { code: 'invalid_quantity', lineId: '1', quantity: 0 },
      { code: 'not_returnable', lineId: '2', sku: 'FOOD' },
      { code: 'not_on_order', lineId: '9' },
    ]);
  });

  it('nothing can be returned before delivery, and an empty request is refused', () => {
    expect(checkReturnEligibility(request({ deliveredAt: null }), policy)).toEqual({ eligible: false, problems: [{ code: 'not_delivered' }] });
    expect(checkReturnEligibility(request({ lines: [] }), policy)).toEqual({ eligible: false, problems: [{ code: 'no_lines' }] });
  });
});
