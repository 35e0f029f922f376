import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { rerouteOrder, routeOrder, type Allocation, type RoutingDecision } from '../../../src/domain/sourcing/index.js';
import { HOUR, NOW, loc, order, policy, snapshot, stock } from './fixtures.js';

const planOf = (d: RoutingDecision | null): Allocation[] => (d && (d.outcome === 'allocated' || d.outcome === 'needs_approval') ? d.plan : []);

describe('rerouteOrder', () => {
  // Three stores, nearest first by id order of distance: a (0 km), b (~11 km), c (~255 km).
  const locations = [loc('a'), loc('b', { lat: 52.42, lon: 13.4 }), loc('c', { lat: 53.55, lon: 9.99 })];
  const rows = [stock('a', 'SKU1', 2), stock('b', 'SKU1', 2), stock('c', 'SKU1', 2)];
  const inbound = [{ poId: 'po-1', sku: 'SKU1', qty: 10, expectedAt: NOW + 120 * HOUR }];
  const o = order([['SKU1', 2]]);
  const ctx = () => fixedContext(NOW);

  it('walks the chain of next-best locations until none is left, then backorders', () => {
    let current = routeOrder(o, snapshot(locations, rows, { inbound }), policy(), ctx());
    expect(current.outcome === 'allocated' && current.locationIds).toEqual(['a']);

    let excluded: string[] = [];
    const chain: string[] = [];
    for (const failed of ['a', 'b', 'c']) {
      const r = rerouteOrder({ order: o, currentPlan: planOf(current), failedLocationId: failed, failure: 'rejected' }, snapshot(locations, rows, { inbound, excludedLocationIds: excluded }), policy(), ctx());
      expect(r.released.map((x) => x.locationId)).toEqual([failed]);
      excluded = r.excludedLocationIds;
      current = r.routing!;
      chain.push(current.outcome === 'allocated' ? current.locationIds[0] : current.outcome);
    }
    expect(chain).toEqual(['b', 'c', 'backorder']);
    expect(excluded).toEqual(['a', 'b', 'c']);
    expect(current.outcome === 'backorder' && current.expectedAt).toBe(NOW + 120 * HOUR);
    expect(current.excluded.map((e) => e.reasons)).toEqual([['previously_failed'], ['previously_failed'], ['previously_failed']]);
  });

  it('reroutes only what the failed location held and keeps the rest of a split', () => {
    const split = order([['SKU1', 1], ['SKU2', 1]]);
    const current: Allocation[] = [
      { lineId: 'l1', sku: 'SKU1', locationId: 'a', qty: 1, protectedQty: 0 },
      { lineId: 'l2', sku: 'SKU2', locationId: 'b', qty: 1, protectedQty: 0 },
    ];
    const s = snapshot(locations, [stock('a', 'SKU1', 1), stock('b', 'SKU2', 1), stock('c', 'SKU2', 4)]);
    const r = rerouteOrder({ order: split, currentPlan: current, failedLocationId: 'b', failure: 'expired' }, s, policy(), ctx());
    expect(r.kept).toEqual([current[0]]);
    expect(r.released).toEqual([current[1]]);
    expect(planOf(r.routing)).toEqual([{ lineId: 'l2', sku: 'SKU2', locationId: 'c', qty: 1, protectedQty: 0 }]);
  });

  it('has nothing to reroute when the failed location held nothing of the order', () => {
    const current: Allocation[] = [{ lineId: 'l1', sku: 'SKU1', locationId: 'a', qty: 2, protectedQty: 0 }];
    const r = rerouteOrder({ order: o, currentPlan: current, failedLocationId: 'zzz', failure: 'expired' }, snapshot(locations, rows), policy(), ctx());
    expect(r.routing).toBeNull();
    expect(r.kept).toEqual(current);
  });
});
