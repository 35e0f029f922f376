import { describe, expect, it } from 'vitest';
import { availabilityDeltas, coalesceAvailabilityChanges } from '../../../src/domain/availability/index.js';

describe('availability deltas', () => {
  it('publishes only what changed, and everything never published before', () => {
    const previous = [
      { channelId: 'web', sku: 'A', quantity: 5 },
      { channelId: 'web', sku: 'B', quantity: 3 },
      { channelId: 'amazon', sku: 'A', quantity: 4 },
    ];
    const next = [
      { channelId: 'web', sku: 'A', quantity: 5 },
      { channelId: 'web', sku: 'B', quantity: 0 },
      { channelId: 'amazon', sku: 'C', quantity: 0 },
    ];
    expect(availabilityDeltas(previous, next)).toEqual([
      { channelId: 'amazon', sku: 'C', previous: null, quantity: 0 },
      { channelId: 'web', sku: 'B', previous: 3, quantity: 0 },
    ]);
  });

  it('coalesces a burst per channel and sku into its net change', () => {
    const burst = [
      { channelId: 'web', sku: 'A', previous: 5, quantity: 4 },
      { channelId: 'amazon', sku: 'A', previous: 2, quantity: 1 },
      { channelId: 'web', sku: 'A', previous: 4, quantity: 3 },
      { channelId: 'amazon', sku: 'A', previous: 1, quantity: 2 },
      { channelId: 'web', sku: 'B', previous: null, quantity: 7 },
      { channelId: 'web', sku: 'B', previous: 7, quantity: 6 },
    ];
    expect(coalesceAvailabilityChanges(burst)).toEqual([
      { channelId: 'web', sku: 'A', previous: 5, quantity: 3 },
      { channelId: 'web', sku: 'B', previous: null, quantity: 6 },
    ]);
  });
});
