import { describe, expect, it } from 'vitest';
import { channelAvailability, channelQuantity, type AvailabilityPolicy, type SalesChannel } from '../../../src/domain/availability/index.js';
import { defaultAvailabilityPolicy } from '../../../src/policy/kinds/availability.js';
import { loc, stock } from '../sourcing/fixtures.js';

const channels: SalesChannel[] = [
  { id: 'web', kind: 'web' },
  { id: 'amazon', kind: 'marketplace' },
];
const locations = [loc('dc-1', { kind: 'dc' }), loc('3pl-1', { kind: '3pl' }), loc('store-1'), loc('dc-closed', { kind: 'dc', active: false })];
const rows = [
  stock('dc-1', 'SKU1', 10, { reserved: 2 }), // sellable 8
  stock('3pl-1', 'SKU1', 5, { protected: 1, safetyStock: 2 }), // sellable 4
  stock('store-1', 'SKU1', 6, { protected: 4 }), // sellable 2
  stock('dc-closed', 'SKU1', 50),
  stock('store-1', 'SKU2', 1),
];
const byKey = (list: ReturnType<typeof channelAvailability>) => Object.fromEntries(list.map((a) => [`${a.channelId}/${a.sku}`, a.quantity]));

describe('channel availability', () => {
  it('sums sellable stock of the serving, active locations, applies the share, floors, subtracts the buffer', () => {
    const result = byKey(channelAvailability(channels, locations, rows, defaultAvailabilityPolicy));
    expect(result['web/SKU1']).toBe(14); // 8 + 4 + 2, share 1, buffer 0
    expect(result['amazon/SKU1']).toBe(8); // floor((8 + 4) × 0.8) − 1 = floor(9.6) − 1
    expect(result['web/SKU2']).toBe(1);
    expect(result['amazon/SKU2']).toBe(0); // no DC/3PL stock: told 0, never negative
  });

  it('lets one channel replace its kind rule, e.g. a marketplace served by named locations only', () => {
    const policy: AvailabilityPolicy = {
      ...defaultAvailabilityPolicy,
      channels: { amazon: { share: 0.5, buffer: 0, locationKinds: [], locationIds: ['dc-1', 'store-1'] } },
    };
    expect(byKey(channelAvailability(channels, locations, rows, policy))['amazon/SKU1']).toBe(5); // floor(10 × 0.5)
  });

  it('holds back safety stock when the policy says so', () => {
    const policy = { ...defaultAvailabilityPolicy, subtractSafetyStock: true };
    expect(byKey(channelAvailability(channels, locations, rows, policy))['web/SKU1']).toBe(12);
  });

  it('never goes below zero and floors without floating-point surprises', () => {
    expect(channelQuantity(1, { share: 0.8, buffer: 2 })).toBe(0);
    expect(channelQuantity(10, { share: 0.7, buffer: 0 })).toBe(7);
    expect(channelQuantity(3, { share: 0.1 * 3, buffer: 0 })).toBe(0);
    expect(channelQuantity(0, { share: 1, buffer: 0 })).toBe(0);
  });
});
