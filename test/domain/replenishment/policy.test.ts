import { describe, expect, it } from 'vitest';
import { defaultReplenishmentPolicy, replenishmentPolicySchema } from '../../../src/policy/kinds/replenishment.js';

describe('replenishment policy', () => {
  it('accepts its own defaults', () => {
    expect(replenishmentPolicySchema.parse(defaultReplenishmentPolicy)).toEqual(defaultReplenishmentPolicy);
  });

  it('rejects values the deciders cannot work with', () => {
    const bad = (patch: object) => replenishmentPolicySchema.safeParse({ ...defaultReplenishmentPolicy, ...patch }).success;
    expect(bad({ reviewPeriodDays: 0 })).toBe(false);
    expect(bad({ safetyStock: { method: 'service_level', days: 3 } })).toBe(false);
    expect(bad({ forecast: { ...defaultReplenishmentPolicy.forecast, smoothingAlpha: 0 } })).toBe(false);
    expect(bad({ purchaseApprovals: { ...defaultReplenishmentPolicy.purchaseApprovals, expedited: { role: 'buyer' } } })).toBe(false);
    expect(bad({ unknownField: 1 })).toBe(false);
    expect(bad({ safetyStock: { method: 'days', days: 3 } })).toBe(true);
  });
});
