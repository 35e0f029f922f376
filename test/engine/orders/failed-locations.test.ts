import { describe, expect, it } from 'vitest';
import { failedLocationsOf, pinFailedLocations, recordFailure } from '../../../src/engine/orders/failed-locations.js';
import type { OrderRecord } from '../../../src/store/repos/orders.js';

const PLACED = 1_000_000;
const orderWith = (doc: Partial<OrderRecord['doc']>): OrderRecord => ({
  id: 'o-1', source: 'web', externalOrderId: 'W-1', state: 'backordered', holdReason: null, customerId: 'c', addressKey: 'a', total: 10, currency: 'EUR',
  placedMs: PLACED, promisedByMs: null,
  doc: {
    placed: { lines: [{ lineId: '1', sku: 'TENT', qty: 1 }, { lineId: '2', sku: 'MAT', qty: 1 }, { lineId: '3', sku: 'TENT', qty: 1 }] },
    paymentStatus: 'authorized', routing: [], excludedLocationIds: [], history: [], ...doc,
  },
});

describe('the locations that failed an order, as routing reads them', () => {
  it('none on an order nobody failed (what routing asks of every new order)', () => {
    expect(failedLocationsOf(orderWith({}))).toEqual([]);
  });

  it('a failure keeps when, how and for which skus; the id list goes on as before', () => {
    const o = orderWith({});
    recordFailure(o, 'store-b', 'expired', PLACED + 5, ['TENT']);
    recordFailure(o, 'store-a', 'rejected', PLACED + 9, ['MAT', 'TENT']);
    expect(o.doc.excludedLocationIds).toEqual(['store-a', 'store-b']);
    expect(failedLocationsOf(o)).toEqual([
      { locationId: 'store-a', failure: 'rejected', at: PLACED + 9, skus: ['MAT', 'TENT'] },
      { locationId: 'store-b', failure: 'expired', at: PLACED + 5, skus: ['TENT'] },
    ]);
    // Failing again there (after coming back) starts again from the new failure, for what it failed both times.
    recordFailure(o, 'store-b', 'rejected', PLACED + 20, ['MAT']);
    expect(failedLocationsOf(o).find((f) => f.locationId === 'store-b')).toEqual({ locationId: 'store-b', failure: 'rejected', at: PLACED + 20, skus: ['MAT', 'TENT'] });
  });

  it("an old order's ids count as failed at its last routing, for every sku of the order, pinned when it is next routed", () => {
    const o = orderWith({ excludedLocationIds: ['store-a'], routing: [{ decidedAt: PLACED + 1 }, { decidedAt: PLACED + 7 }] });
    expect(failedLocationsOf(o)).toEqual([{ locationId: 'store-a', failure: 'unrecorded', at: PLACED + 7, skus: ['MAT', 'TENT'] }]);
    pinFailedLocations(o);
    o.doc.routing.push({ decidedAt: PLACED + 30 });
    // The routing just recorded does not move it on.
    expect(failedLocationsOf(o)).toEqual([{ locationId: 'store-a', failure: 'unrecorded', at: PLACED + 7, skus: ['MAT', 'TENT'] }]);
  });

  it("an old order's exclusion is kept beside a new failure elsewhere", () => {
    const o = orderWith({ excludedLocationIds: ['store-a'], routing: [{ decidedAt: PLACED + 7 }] });
    recordFailure(o, 'dc', 'rejected', PLACED + 10, ['TENT']);
    expect(o.doc.excludedLocationIds).toEqual(['dc', 'store-a']);
    expect(o.doc.failedLocations).toEqual([
      { locationId: 'dc', failure: 'rejected', at: PLACED + 10, skus: ['TENT'] },
      { locationId: 'store-a', failure: 'unrecorded', at: PLACED + 7, skus: ['MAT', 'TENT'] },
    ]);
  });
});
