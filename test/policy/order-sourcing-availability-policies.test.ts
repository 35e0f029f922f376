import { describe, expect, it } from 'vitest';
import { availabilityPolicySchema, defaultAvailabilityPolicy } from '../../src/policy/kinds/availability.js';
import { defaultOrdersPolicy, ordersPolicySchema } from '../../src/policy/kinds/orders.js';
import { defaultSourcingPolicy, sourcingPolicySchema } from '../../src/policy/kinds/sourcing.js';
import { newInDefaults } from '../../src/domain/policies/new-in-defaults.js';

describe('policy kinds: orders, sourcing, availability', () => {
  it('parse their defaults unchanged', () => {
    expect(ordersPolicySchema.parse(defaultOrdersPolicy)).toEqual(defaultOrdersPolicy);
    expect(sourcingPolicySchema.parse(defaultSourcingPolicy)).toEqual(defaultSourcingPolicy);
    expect(availabilityPolicySchema.parse(defaultAvailabilityPolicy)).toEqual(defaultAvailabilityPolicy);
  });

  it('carry the SPEC §5 defaults', () => {
    expect(defaultOrdersPolicy.fraud.holdThreshold).toBe(0.7);
    expect(defaultOrdersPolicy.payment.acceptedStatuses).toEqual(['authorized', 'captured']);
    expect(defaultSourcingPolicy.protectedStockApprover).toBe('regional_ops');
    expect(defaultAvailabilityPolicy.byChannelKind.marketplace.share).toBe(0.8);
  });

  it('sourcing: a version written before the reroute retry existed still parses (no retry by time)', () => {
    const { reroute, ...older } = defaultSourcingPolicy;
    expect(reroute).toEqual({ retryFailedLocationAfterHours: null, retryNonStockRejectionAfterHours: 24 });
    expect(sourcingPolicySchema.parse(older)).toEqual(older);
    expect(sourcingPolicySchema.parse({ ...older, reroute: { retryFailedLocationAfterHours: 72 } }).reroute).toEqual({ retryFailedLocationAfterHours: 72 });
  });

  it('sourcing: a non-stock rejection\'s hours are optional (versions with `reroute` before it), nullable, and positive', () => {
    expect(sourcingPolicySchema.parse(defaultSourcingPolicy).reroute).toEqual({ retryFailedLocationAfterHours: null, retryNonStockRejectionAfterHours: 24 });
    expect(sourcingPolicySchema.parse({ ...defaultSourcingPolicy, reroute: { retryFailedLocationAfterHours: null, retryNonStockRejectionAfterHours: null } }).reroute)
      .toEqual({ retryFailedLocationAfterHours: null, retryNonStockRejectionAfterHours: null });
    for (const hours of [0, -1, 8761, '24']) {
      expect(sourcingPolicySchema.safeParse({ ...defaultSourcingPolicy, reroute: { retryFailedLocationAfterHours: null, retryNonStockRejectionAfterHours: hours } }).success).toBe(false);
    }
  });

  it('sourcing: a version stored with `reroute` before the non-stock hours lists them as new in defaults (absent, it judges such a rejection as a stock one)', () => {
    const older = { ...defaultSourcingPolicy, reroute: { retryFailedLocationAfterHours: 72 } };
    expect(sourcingPolicySchema.parse(older)).toEqual(older);
    expect(newInDefaults(defaultSourcingPolicy, older)).toEqual([
      { path: 'reroute.retryNonStockRejectionAfterHours', keys: ['reroute', 'retryNonStockRejectionAfterHours'], value: 24 },
    ]);
  });

  it('reject values the deciders cannot use', () => {
    const bad = [
      () => ordersPolicySchema.safeParse({ ...defaultOrdersPolicy, fraud: { ...defaultOrdersPolicy.fraud, holdThreshold: 1.5 } }),
      () => ordersPolicySchema.safeParse({ ...defaultOrdersPolicy, notifications: { ...defaultOrdersPolicy.notifications, templates: { on_hold: 'x' } } }),
      () =>
        ordersPolicySchema.safeParse({
          ...defaultOrdersPolicy,
          fraud: { ...defaultOrdersPolicy.fraud, valueVsHistory: { weight: 0.3, minPriorOrders: 2, ratioStart: 5, ratioFull: 2 } },
        }),
      () => sourcingPolicySchema.safeParse({ ...defaultSourcingPolicy, weights: { ...defaultSourcingPolicy.weights, cost: -1 } }),
      () => sourcingPolicySchema.safeParse({ ...defaultSourcingPolicy, protectedStock: 'ignore' }),
      () => sourcingPolicySchema.safeParse({ ...defaultSourcingPolicy, protectedStockApprover: 'anyone' }),
      () => sourcingPolicySchema.safeParse({ ...defaultSourcingPolicy, split: { allowed: true, maxLocations: 0 } }),
      () => sourcingPolicySchema.safeParse({ ...defaultSourcingPolicy, reroute: { retryFailedLocationAfterHours: 0 } }),
      () => availabilityPolicySchema.safeParse({ ...defaultAvailabilityPolicy, channels: { amazon: { share: 1.2, buffer: 0, locationKinds: ['dc'] } } }),
      () => availabilityPolicySchema.safeParse({ ...defaultAvailabilityPolicy, channels: { amazon: { share: 1, buffer: 0.5, locationKinds: ['dc'] } } }),
    ];
    for (const check of bad) expect(check().success).toBe(false);
  });
});
