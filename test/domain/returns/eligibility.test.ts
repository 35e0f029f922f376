import { describe, expect, it } from 'vitest';
import { checkReturnEligibility } from '../../../src/domain/returns/eligibility.js';
import type { ReturnRequest } from '../../../src/domain/returns/eligibility.js';
import { defaultReturnsPolicy as policy } from '../../../src/policy/kinds/returns.js';

const DAY = 86_400_000;
const request = (over: Partial<ReturnRequest> = {}): ReturnRequest => ({
  lines: [{ sku: 'A', quantity: 1 }],
  orderLines: [
    { sku: 'A', deliveredQuantity: 3, returnedQuantity: 1, returnable: true },
    { sku: 'FOOD', deliveredQuantity: 2, returnedQuantity: 0, returnable: false },
  ],
  deliveredAt: 0,
  requestedAt: 5 * DAY,
  ...over,
});

describe('checkReturnEligibility', () => {
  it('accepts a return within the window and the returnable quantity, merging lines of one sku', () => {
    expect(checkReturnEligibility(request({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }] }), policy)).toEqual({ eligible: true, lines: [{ sku: 'A', quantity: 2 }] });
  });

  it('never more than delivered minus already returned', () => {
    expect(checkReturnEligibility(request({ lines: [{ sku: 'A', quantity: 2 }, { sku: 'A', quantity: 1 }] }), policy)).toEqual({
      eligible: false,
      problems: [{ code: 'quantity_exceeds', sku: 'A', requested: 3, returnable: 2 }],
    });
  });

  it('reports every problem at once: window, non-returnable, unknown sku, bad quantity', () => {
    const r = checkReturnEligibility(
      request({
        requestedAt: 31 * DAY,
        lines: [{ sku: 'FOOD', quantity: 1 }, { sku: 'ZZ', quantity: 1 }, { sku: 'A', quantity: 0 }],
      }),
      policy,
    );
    expect(r.eligible).toBe(false);
    if (r.eligible) return;
    expect(r.problems.map((p) => p.code)).toEqual(['outside_window', 'invalid_quantity', 'not_returnable', 'not_on_order']);
    expect(r.problems[0]).toMatchObject({ daysSinceDelivery: 31, windowEndsAt: 30 * DAY });
  });

  it('nothing can be returned before delivery, and an empty request is refused', () => {
    expect(checkReturnEligibility(request({ deliveredAt: null }), policy)).toEqual({ eligible: false, problems: [{ code: 'not_delivered' }] });
    expect(checkReturnEligibility(request({ lines: [] }), policy)).toEqual({ eligible: false, problems: [{ code: 'no_lines' }] });
  });
});
