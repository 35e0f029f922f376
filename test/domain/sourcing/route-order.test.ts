import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { routeOrder } from '../../../src/domain/sourcing/index.js';
import { BERLIN, HOUR, NOW, loc, order, policy, snapshot, stock } from './fixtures.js';

const ctx = () => fixedContext(NOW);

describe('routeOrder: choosing one location', () => {
  it('breaks an exact tie by location id, whatever the input order', () => {
    const a = loc('store-a');
    const b = loc('store-b');
    const rows = [stock('store-a', 'SKU1', 5), stock('store-b', 'SKU1', 5)];
    for (const locations of [[a, b], [b, a]]) {
      const d = routeOrder(order([['SKU1', 1]]), snapshot(locations, rows), policy(), ctx());
      expect(d.outcome).toBe('allocated');
      if (d.outcome !== 'allocated') return;
      expect(d.locationIds).toEqual(['store-a']);
      expect(d.candidates.map((c) => c.score)).toEqual([d.candidates[0].score, d.candidates[0].score]);
    }
  });

  it('prefers the nearer location when all else is equal, and records the score components', () => {
    const near = loc('z-near', { lat: 52.53, lon: 13.41 });
    const far = loc('a-far', { lat: 53.55, lon: 9.99 });
    const d = routeOrder(order([['SKU1', 1]]), snapshot([far, near], [stock('a-far', 'SKU1', 9), stock('z-near', 'SKU1', 9)]), policy(), ctx());
    expect(d.outcome).toBe('allocated');
    if (d.outcome !== 'allocated') return;
    expect(d.plan).toEqual([{ lineId: 'l1', sku: 'SKU1', locationId: 'z-near', qty: 1, protectedQty: 0 }]);
    expect(d.candidates.map((c) => c.locationId)).toEqual(['z-near', 'a-far']);
    const farCandidate = d.candidates[1];
    expect(farCandidate.distanceKm).toBeGreaterThan(250);
    expect(farCandidate.components.cost).toBeCloseTo((4.5 + 0.02 * farCandidate.distanceKm!) / 20, 6);
    expect(d.policyVersion).toBe('sourcing-v7');
    expect(d.decidedAt).toBe(NOW);
  });

  it('lets SLA risk outweigh distance when the near location cannot ship before the promise', () => {
    const slowNear = loc('near', { lat: 52.53, lon: 13.41, timeToShipMinutes: 600 });
    const quickFar = loc('far', { lat: 52.4, lon: 13.1, timeToShipMinutes: 60 });
    const o = order([['SKU1', 1]], { promisedBy: NOW + 4 * HOUR });
    const d = routeOrder(o, snapshot([slowNear, quickFar], [stock('near', 'SKU1', 3), stock('far', 'SKU1', 3)]), policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['far']);
    expect(d.candidates.find((c) => c.locationId === 'near')?.components.slaRisk).toBe(1);
    expect(d.candidates.find((c) => c.locationId === 'far')?.components.slaRisk).toBe(0.25);
  });

  it('spares a busy location: workload = used / daily capacity', () => {
    const busy = loc('a-busy', { usedCapacityToday: 90 });
    const idle = loc('b-idle', { usedCapacityToday: 10 });
    const d = routeOrder(order([['SKU1', 1]]), snapshot([busy, idle], [stock('a-busy', 'SKU1', 2), stock('b-idle', 'SKU1', 2)]), policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['b-idle']);
    expect(d.candidates.map((c) => c.components.workload)).toEqual([0.1, 0.9]);
  });
});

describe('routeOrder: single location versus split', () => {
  const twoSkus = order([['SKU1', 2], ['SKU2', 1]]);
  const partA = [stock('a', 'SKU1', 5)];
  const partB = [stock('b', 'SKU2', 5)];

  it('takes one location for the whole order even when a split would be nearer', () => {
    const whole = loc('whole', { lat: 52.3, lon: 13.0 });
    const rows = [...partA, ...partB, stock('whole', 'SKU1', 2), stock('whole', 'SKU2', 1)];
    const d = routeOrder(twoSkus, snapshot([loc('a'), loc('b'), whole], rows), policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['whole']);
    expect(d.outcome === 'allocated' && d.split).toBe(false);
    expect(d.candidates.find((c) => c.locationId === 'a')).toMatchObject({ coverage: 'partial', components: { split: 1 } });
  });

  it('splits when no location can serve alone and the policy allows it', () => {
    const d = routeOrder(twoSkus, snapshot([loc('a'), loc('b')], [...partA, ...partB]), policy(), ctx());
    expect(d.outcome).toBe('allocated');
    if (d.outcome !== 'allocated') return;
    expect(d.split).toBe(true);
    expect(d.plan).toEqual([
      { lineId: 'l1', sku: 'SKU1', locationId: 'a', qty: 2, protectedQty: 0 },
      { lineId: 'l2', sku: 'SKU2', locationId: 'b', qty: 1, protectedQty: 0 },
    ]);
    // One fulfilment per location, ids from the context, SLA clocks from the location settings.
    expect(d.fulfilments.map((f) => [f.fulfilmentId, f.locationId, f.acceptBy, f.shipBy])).toEqual([
      ['id-fulfilment-1', 'a', NOW + 30 * 60_000, NOW + 2 * HOUR],
      ['id-fulfilment-2', 'b', NOW + 30 * 60_000, NOW + 2 * HOUR],
    ]);
    expect(d.estimatedShipAt).toBe(NOW + 2 * HOUR);
  });

  it('does not split when the policy forbids it, and says why each location was excluded', () => {
    const p = policy({ split: { allowed: false, maxLocations: 3 } });
    const d = routeOrder(twoSkus, snapshot([loc('a'), loc('b')], [...partA, ...partB]), p, ctx());
    expect(d.outcome).toBe('cancel');
    expect(d.excluded).toEqual([
      { locationId: 'a', reasons: ['insufficient_stock'] },
      { locationId: 'b', reasons: ['insufficient_stock'] },
    ]);
  });

  it('uses as few locations as the greedy cover finds, within maxLocations', () => {
    const o = order([['SKU1', 1], ['SKU2', 1], ['SKU3', 1]]);
    const rows = [stock('a', 'SKU1', 1), stock('b', 'SKU2', 1), stock('b', 'SKU3', 1), stock('c', 'SKU3', 1)];
    const d = routeOrder(o, snapshot([loc('a'), loc('b'), loc('c')], rows), policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['b', 'a']);
    const capped = routeOrder(o, snapshot([loc('a'), loc('b'), loc('c')], rows), policy({ split: { allowed: true, maxLocations: 1 } }), ctx());
    expect(capped.outcome).not.toBe('allocated');
  });
});

describe('routeOrder: protected stock', () => {
  const allProtected = [stock('store-1', 'SKU1', 2, { protected: 2 })];
  const partlyProtected = [stock('store-1', 'SKU1', 3, { protected: 2 })];

  it('asks regional ops when only protected store stock can serve', () => {
    const d = routeOrder(order([['SKU1', 2]]), snapshot([loc('store-1')], allProtected), policy(), ctx());
    expect(d.outcome).toBe('needs_approval');
    if (d.outcome !== 'needs_approval') return;
    expect(d.holdReason).toBe('approval');
    expect(d.approverRole).toBe('regional_ops');
    expect(d.plan).toEqual([{ lineId: 'l1', sku: 'SKU1', locationId: 'store-1', qty: 2, protectedQty: 2 }]);
    expect(d.candidates[0]).toMatchObject({ coverage: 'none', coverageWithProtected: 'full', components: { split: 0 } });
  });

  it('takes sellable units first and only the missing ones from protected stock', () => {
    const d = routeOrder(order([['SKU1', 2]]), snapshot([loc('store-1')], partlyProtected), policy(), ctx());
    expect(d.outcome === 'needs_approval' && d.plan).toEqual([
      { lineId: 'l1', sku: 'SKU1', locationId: 'store-1', qty: 2, protectedQty: 1 },
    ]);
  });

  it("treats protected stock as not there when the policy says 'skip'", () => {
    const d = routeOrder(order([['SKU1', 2]]), snapshot([loc('store-1')], allProtected), policy({ protectedStock: 'skip' }), ctx());
    expect(d.outcome).toBe('cancel');
    expect(d.excluded).toEqual([{ locationId: 'store-1', reasons: ['insufficient_stock'] }]);
    const partly = routeOrder(order([['SKU1', 2]]), snapshot([loc('store-1')], partlyProtected), policy({ protectedStock: 'skip' }), ctx());
    expect(partly.outcome).toBe('cancel');
    expect(partly.candidates[0]).toMatchObject({ coverage: 'partial', coverageWithProtected: 'partial' });
  });

  it('prefers a split of unprotected stock over asking for approval', () => {
    const rows = [...partlyProtected, stock('store-2', 'SKU1', 1)];
    const d = routeOrder(order([['SKU1', 2]]), snapshot([loc('store-1'), loc('store-2', { lat: 53.5, lon: 10 })], rows), policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds.sort()).toEqual(['store-1', 'store-2']);
  });
});

describe('routeOrder: eligibility', () => {
  it('excludes a location whose capacity for today is used up', () => {
    const full = loc('a-full', { usedCapacityToday: 100 });
    const d = routeOrder(order([['SKU1', 1]]), snapshot([full, loc('b-open')], [stock('a-full', 'SKU1', 5), stock('b-open', 'SKU1', 5)]), policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['b-open']);
    expect(d.excluded).toEqual([{ locationId: 'a-full', reasons: ['capacity_exhausted'] }]);
  });

  it('excludes same-day locations past their local cut-off, but still ships standard orders from them', () => {
    const late = loc('late', { cutoff: '10:30' }); // 10:30 Berlin = 09:30 UTC, before NOW
    const rows = [stock('late', 'SKU1', 5)];
    const sameDay = order([['SKU1', 1]], { shipping: { method: 'same_day', address: { ...BERLIN } } });
    const d = routeOrder(sameDay, snapshot([late], rows), policy(), ctx());
    expect(d.excluded).toEqual([{ locationId: 'late', reasons: ['past_cutoff'] }]);
    expect(routeOrder(order([['SKU1', 1]]), snapshot([late], rows), policy(), ctx()).outcome).toBe('allocated');
  });

  it('offers same day only from stores and dark stores inside the radius', () => {
    const sameDay = order([['SKU1', 1]], { shipping: { method: 'same_day', address: { ...BERLIN } } });
    const locations = [
      loc('dark', { kind: 'dark_store', lat: 52.6, lon: 13.4 }), // ~9 km
      loc('dc', { kind: 'dc' }),
      loc('potsdam', { lat: 52.39, lon: 13.06 }), // ~27 km
    ];
    const rows = locations.map((l) => stock(l.id, 'SKU1', 5));
    const d = routeOrder(sameDay, snapshot(locations, rows), policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['dark']);
    expect(d.excluded).toEqual([
      { locationId: 'dc', reasons: ['no_capability'] },
      { locationId: 'potsdam', reasons: ['outside_radius'] },
    ]);
    const wider = routeOrder(sameDay, snapshot(locations, rows), policy({ sameDay: { radiusKm: 30 } }), ctx());
    expect(wider.candidates.map((c) => c.locationId).sort()).toEqual(['dark', 'potsdam']);
  });

  it('serves pickup only from the chosen store, and backorders when that store has no stock', () => {
    const pickup = order([['SKU1', 1]], { shipping: { method: 'pickup', address: { ...BERLIN }, pickupLocationId: 'chosen' } });
    const rows = [stock('chosen', 'SKU1', 0), stock('other', 'SKU1', 10)];
    const inbound = [{ poId: 'po-9', sku: 'SKU1', qty: 20, expectedAt: NOW + 72 * HOUR }];
    const d = routeOrder(pickup, snapshot([loc('chosen'), loc('other')], rows, { inbound }), policy(), ctx());
    expect(d.outcome).toBe('backorder');
    if (d.outcome !== 'backorder') return;
    expect(d.expectedAt).toBe(NOW + 72 * HOUR);
    expect(d.excluded).toEqual([
      { locationId: 'chosen', reasons: ['insufficient_stock'] },
      { locationId: 'other', reasons: ['not_pickup_store'] },
    ]);
  });

  it('never routes to a location that already failed this order, nor to an inactive one', () => {
    const rows = [stock('a', 'SKU1', 5), stock('b', 'SKU1', 5), stock('c', 'SKU1', 5)];
    const s = snapshot([loc('a'), loc('b', { active: false }), loc('c')], rows, { excludedLocationIds: ['a'] });
    const d = routeOrder(order([['SKU1', 1]]), s, policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['c']);
    expect(d.excluded).toEqual([
      { locationId: 'a', reasons: ['previously_failed'] },
      { locationId: 'b', reasons: ['inactive'] },
    ]);
  });
});

describe('routeOrder: nothing can serve', () => {
  const nothing = snapshot([loc('a')], [stock('a', 'SKU1', 1, { reserved: 1 })], {
    inbound: [
      { poId: 'po-late', sku: 'SKU1', qty: 5, expectedAt: NOW + 96 * HOUR },
      { poId: 'po-early', sku: 'SKU1', qty: 5, expectedAt: NOW + 48 * HOUR },
    ],
  });

  it('backorders against the earliest inbound purchase order', () => {
    const d = routeOrder(order([['SKU1', 2]]), nothing, policy(), ctx());
    expect(d.outcome).toBe('backorder');
    if (d.outcome !== 'backorder') return;
    expect(d.expectedAt).toBe(NOW + 48 * HOUR);
    expect(d.shortSkus[0].coveredBy.map((po) => po.poId)).toEqual(['po-early']);
  });

  it("cancels when the policy says 'cancel'", () => {
    const d = routeOrder(order([['SKU1', 2]]), nothing, policy({ whenNothingCanServe: 'cancel' }), ctx());
    expect(d).toMatchObject({ outcome: 'cancel', reason: 'nothing_can_serve' });
  });
});
