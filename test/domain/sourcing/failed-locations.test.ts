import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { failedAgain, failedLocationsNow, routeOrder, type FailedLocation, type StockVerification } from '../../../src/domain/sourcing/index.js';
import { HOUR, NOW, loc, order, policy, snapshot, stock } from './fixtures.js';

const FAILED_AT = NOW - 10 * HOUR;
const rejected = (locationId: string, skus: string[], over: Partial<FailedLocation> = {}): FailedLocation => ({ locationId, failure: 'rejected', at: FAILED_AT, skus, ...over });
const row = (locationId: string, sku: string, countedMs: number | null, receivedMs: number | null = null): StockVerification => ({ locationId, sku, countedMs, receivedMs });
const retryAfter = (hours: number | null) => policy({ reroute: { retryFailedLocationAfterHours: hours } });

describe('failedLocationsNow: a location that failed an order comes back once its stock is known again', () => {
  it('stays out while its stock of what it failed was not counted or received since the failure', () => {
    // Counted before the rejection (the count it rejected on), never received: nothing new is known.
    const [s] = failedLocationsNow([rejected('store', ['TENT'])], [row('store', 'TENT', FAILED_AT - HOUR, FAILED_AT - 2 * HOUR)], policy(), NOW);
    expect(s).toEqual({ locationId: 'store', failure: 'rejected', failedAt: FAILED_AT, back: false, why: 'TENT not counted or received since the rejection' });
  });

  it('comes back when the sku was counted after the failure', () => {
    const [s] = failedLocationsNow([rejected('store', ['TENT'])], [row('store', 'TENT', FAILED_AT + 1)], policy(), NOW);
    expect(s).toMatchObject({ back: true, why: 'counted since the rejection' });
  });

  it('comes back when units were received there after the failure (a receipt, a transfer in)', () => {
    const [s] = failedLocationsNow([rejected('store', ['TENT'], { failure: 'expired' })], [row('store', 'TENT', null, FAILED_AT + HOUR)], policy(), NOW);
    expect(s).toMatchObject({ failure: 'expired', back: true, why: 'received since the missed deadline' });
  });

  it('a count in the very millisecond of the failure does not bring it back (the reroute at the failure must never see it back)', () => {
    const [s] = failedLocationsNow([rejected('store', ['TENT'])], [row('store', 'TENT', FAILED_AT, FAILED_AT)], policy(), FAILED_AT);
    expect(s.back).toBe(false);
  });

  it('needs every sku it failed: one counted, one not, it stays out and names the other', () => {
    const verified = [row('store', 'MAT', FAILED_AT + HOUR), row('store', 'TENT', FAILED_AT - HOUR)];
    const [s] = failedLocationsNow([rejected('store', ['MAT', 'TENT'])], verified, policy(), NOW);
    expect(s).toMatchObject({ back: false, why: 'TENT not counted or received since the rejection' });
    const [both] = failedLocationsNow([rejected('store', ['MAT', 'TENT'])], [...verified.slice(0, 1), row('store', 'TENT', null, FAILED_AT + HOUR)], policy(), NOW);
    expect(both).toMatchObject({ back: true, why: 'counted and received since the rejection' });
  });

  it('judges only the skus the order still waits for: a cycle count of that one is enough; a location that failed only skus placed since is back', () => {
    const failed = [rejected('store', ['MAT', 'TENT'])];
    const verified = [row('store', 'TENT', FAILED_AT + HOUR)]; // MAT went elsewhere and was never counted here
    expect(failedLocationsNow(failed, verified, policy(), NOW)[0]).toMatchObject({ back: false, why: 'MAT not counted or received since the rejection' });
    expect(failedLocationsNow(failed, verified, policy(), NOW, new Set(['TENT']))[0]).toMatchObject({ back: true, why: 'counted since the rejection' });
    expect(failedLocationsNow(failed, [], policy(), NOW, new Set(['TENT']))[0]).toMatchObject({ back: false, why: 'TENT not counted or received since the rejection' });
    expect(failedLocationsNow(failed, [], policy(), NOW, new Set(['BAG']))[0]).toMatchObject({ back: true, why: 'failed only on MAT, TENT, no longer waited for' });
  });

  it("another location's count, or another sku's, says nothing about this one", () => {
    const verified = [row('dc', 'TENT', NOW), row('store', 'MAT', NOW)];
    const [s] = failedLocationsNow([rejected('store', ['TENT'])], verified, policy(), NOW);
    expect(s.back).toBe(false);
  });

  it('by time alone only when the policy says so, after its hours', () => {
    const failed = [rejected('store', ['TENT'])];
    // Absent (versions written before the field) and null: never by time.
    expect(failedLocationsNow(failed, [], policy(), NOW + 1000 * HOUR)[0]!.back).toBe(false);
    expect(failedLocationsNow(failed, [], retryAfter(null), NOW + 1000 * HOUR)[0]!.back).toBe(false);
    const before = failedLocationsNow(failed, [], retryAfter(24), FAILED_AT + 24 * HOUR - 1)[0]!;
    expect(before).toMatchObject({ back: false, why: `TENT not counted or received since the rejection; asked again from ${new Date(FAILED_AT + 24 * HOUR).toISOString()}` });
    const after = failedLocationsNow(failed, [], retryAfter(24), FAILED_AT + 24 * HOUR)[0]!;
    expect(after).toMatchObject({ back: true, why: '24 h since the rejection (reroute.retryFailedLocationAfterHours), not counted or received since' });
  });

  it('an exclusion kept without its time (an old order) says so', () => {
    const [s] = failedLocationsNow([rejected('store', ['TENT'], { failure: 'unrecorded' })], [], policy(), NOW);
    expect(s).toMatchObject({ back: false, why: "TENT not counted or received since the order's last routing (failure time not recorded)" });
  });
});

describe('failedLocationsNow: a rejection for a reason that says nothing about the shelf comes back by the policy\'s hours', () => {
  const nonStock = (hours: number | null | undefined, general: number | null = null) =>
    policy({ reroute: { retryFailedLocationAfterHours: general, ...(hours !== undefined ? { retryNonStockRejectionAfterHours: hours } : {}) } });
  const at = (h: number) => FAILED_AT + h * HOUR;

  it('no_staff: out before the hours, back from them on, though never counted or received; the why names the rule', () => {
    const failed = [rejected('store', ['TENT'], { reasonCode: 'no_staff' })];
    const before = failedLocationsNow(failed, [], nonStock(24), at(24) - 1)[0]!;
    expect(before).toEqual({
      locationId: 'store', failure: 'rejected', reasonCode: 'no_staff', failedAt: FAILED_AT, back: false,
      why: `the rejection (no_staff) was not about its stock: asked again from ${new Date(at(24)).toISOString()}, 24 h after it (reroute.retryNonStockRejectionAfterHours)`,
    });
    const after = failedLocationsNow(failed, [], nonStock(24), at(24))[0]!;
    expect(after).toMatchObject({ reasonCode: 'no_staff', back: true, why: '24 h since the rejection (no_staff), not about its stock (reroute.retryNonStockRejectionAfterHours)' });
  });

  it('no_capacity and closed alike; a count since does not bring it back earlier (it says nothing about the staff)', () => {
    for (const reasonCode of ['no_capacity', 'closed'] as const) {
      const failed = [rejected('store', ['TENT'], { reasonCode })];
      expect(failedLocationsNow(failed, [row('store', 'TENT', FAILED_AT + HOUR)], nonStock(24), at(2))[0]!.back).toBe(false);
      expect(failedLocationsNow(failed, [], nonStock(24), at(24))[0]!.back).toBe(true);
    }
  });

  it('the general retry applies too when it is shorter, and the why names it', () => {
    const failed = [rejected('store', ['TENT'], { reasonCode: 'no_staff' })];
    const s = failedLocationsNow(failed, [], nonStock(24, 6), at(6))[0]!;
    expect(s).toMatchObject({ back: true, why: '6 h since the rejection (no_staff), not about its stock (reroute.retryFailedLocationAfterHours)' });
    expect(failedLocationsNow(failed, [], nonStock(24, 48), at(24))[0]!.back).toBe(true);
  });

  it('a stock reason (out_of_stock, damaged, other) is not back after the same hours: only its stock known again brings it back', () => {
    for (const reasonCode of ['out_of_stock', 'damaged', 'other'] as const) {
      const failed = [rejected('store', ['TENT'], { reasonCode })];
      const s = failedLocationsNow(failed, [], nonStock(24), at(1000))[0]!;
      expect(s).toEqual({ locationId: 'store', failure: 'rejected', reasonCode, failedAt: FAILED_AT, back: false, why: `TENT not counted or received since the rejection (${reasonCode})` });
      expect(failedLocationsNow(failed, [row('store', 'TENT', FAILED_AT + HOUR)], nonStock(24), at(2))[0]).toMatchObject({ back: true, why: `counted since the rejection (${reasonCode})` });
    }
  });

  it('no code (every rejection before codes) and a missed deadline: as before, whatever the non-stock hours', () => {
    for (const f of [rejected('store', ['TENT']), rejected('store', ['TENT'], { failure: 'expired' })]) {
      const s = failedLocationsNow([f], [], nonStock(24), at(1000))[0]!;
      expect(s.back).toBe(false);
      expect(s).not.toHaveProperty('reasonCode');
      expect(s.why).toBe(`TENT not counted or received since ${f.failure === 'expired' ? 'the missed deadline' : 'the rejection'}`);
    }
  });

  it('policy versions without the key (or with null): a non-stock rejection is judged as a stock one', () => {
    const failed = [rejected('store', ['TENT'], { reasonCode: 'no_staff' })];
    for (const p of [nonStock(undefined), nonStock(null), policy({ reroute: undefined })]) {
      expect(failedLocationsNow(failed, [], p, at(1000))[0]).toMatchObject({ back: false, why: 'TENT not counted or received since the rejection (no_staff)' });
      expect(failedLocationsNow(failed, [row('store', 'TENT', FAILED_AT + HOUR)], p, at(2))[0]).toMatchObject({ back: true, why: 'counted since the rejection (no_staff)' });
    }
  });

  it('the defaults bring a no_staff rejection back after 24 h', () => {
    const failed = [rejected('store', ['TENT'], { reasonCode: 'no_staff' })];
    expect(failedLocationsNow(failed, [], policy(), at(24) - 1)[0]!.back).toBe(false);
    expect(failedLocationsNow(failed, [], policy(), at(24))[0]!.back).toBe(true);
  });
});

describe('failedAgain: one entry per location, one rule', () => {
  const at = (h: number) => FAILED_AT + h * HOUR;
  it('a first failure is kept as it came, with its code', () => {
    expect(failedAgain(undefined, rejected('store', ['TENT'], { reasonCode: 'no_staff' }))).toEqual(rejected('store', ['TENT'], { reasonCode: 'no_staff' }));
  });
  it('a second one starts from its own time, for the skus of both; its code is kept when nothing earlier is in doubt for its stock', () => {
    // Earlier non-stock; or earlier stock failure of the very skus it was asked for again now.
    expect(failedAgain(rejected('store', ['MAT'], { reasonCode: 'closed' }), rejected('store', ['TENT'], { at: at(30), reasonCode: 'no_staff' })))
      .toEqual(rejected('store', ['MAT', 'TENT'], { at: at(30), reasonCode: 'no_staff' }));
    expect(failedAgain(rejected('store', ['TENT']), rejected('store', ['TENT'], { at: at(30), reasonCode: 'no_staff' })))
      .toEqual(rejected('store', ['TENT'], { at: at(30), reasonCode: 'no_staff' }));
  });
  it('a non-stock rejection after a stock failure of another sku: the stock rule for all of it', () => {
    expect(failedAgain(rejected('store', ['MAT'], { failure: 'expired' }), rejected('store', ['TENT'], { at: at(30), reasonCode: 'no_staff' })))
      .toEqual(rejected('store', ['MAT', 'TENT'], { at: at(30) }));
  });
  it('a stock rejection after a non-stock one keeps its stock code', () => {
    expect(failedAgain(rejected('store', ['MAT'], { reasonCode: 'no_staff' }), rejected('store', ['TENT'], { at: at(30), reasonCode: 'out_of_stock' })))
      .toEqual(rejected('store', ['MAT', 'TENT'], { at: at(30), reasonCode: 'out_of_stock' }));
  });
});

describe('routeOrder with locations that failed the order', () => {
  const ctx = () => fixedContext(NOW);
  const rows = [stock('store', 'TENT', 5)];

  it('leaves a failed location out while its stock is not known again, saying why, and backorders when it was the only one', () => {
    const s = snapshot([loc('store')], rows, { failed: { locations: [rejected('store', ['TENT'])], stock: [row('store', 'TENT', FAILED_AT - HOUR)] } });
    const d = routeOrder(order([['TENT', 2]]), s, policy(), ctx());
    expect(d.outcome).toBe('cancel'); // the fixtures' policy cancels what has no inbound supply
    expect(d.excluded).toEqual([{
      locationId: 'store', reasons: ['previously_failed'],
      failed: { failure: 'rejected', failedAt: FAILED_AT, back: false, why: 'TENT not counted or received since the rejection' },
    }]);
  });

  it('routes back to it once it was counted since, and the candidate says it came back', () => {
    const s = snapshot([loc('store')], rows, { failed: { locations: [rejected('store', ['TENT'])], stock: [row('store', 'TENT', FAILED_AT + HOUR)] } });
    const d = routeOrder(order([['TENT', 2]]), s, policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['store']);
    expect(d.candidates[0]).toMatchObject({ locationId: 'store', failed: { back: true, why: 'counted since the rejection' } });
    expect(d.excluded).toEqual([]);
  });

  it('a store that rejected for no staff is left out until the policy\'s hours, then routed back to; the record says which rule', () => {
    const failed = { locations: [rejected('store', ['TENT'], { reasonCode: 'no_staff' })], stock: [] };
    const out = routeOrder(order([['TENT', 2]]), snapshot([loc('store')], rows, { failed }), policy(), fixedContext(FAILED_AT + 24 * HOUR - 1));
    expect(out.outcome).toBe('cancel');
    expect(out.excluded[0]).toMatchObject({ locationId: 'store', reasons: ['previously_failed'], failed: { reasonCode: 'no_staff', back: false } });
    const back = routeOrder(order([['TENT', 2]]), snapshot([loc('store')], rows, { failed }), policy(), fixedContext(FAILED_AT + 24 * HOUR));
    expect(back.outcome === 'allocated' && back.locationIds).toEqual(['store']);
    expect(back.candidates[0]!.failed).toEqual({
      failure: 'rejected', reasonCode: 'no_staff', failedAt: FAILED_AT, back: true, why: '24 h since the rejection (no_staff), not about its stock (reroute.retryNonStockRejectionAfterHours)',
    });
  });

  it('a location back but short of stock is left out for that, and the record still says it came back', () => {
    const s = snapshot([loc('store'), loc('dc')], [stock('store', 'TENT', 0), stock('dc', 'TENT', 5)], {
      failed: { locations: [rejected('store', ['TENT'])], stock: [row('store', 'TENT', FAILED_AT + HOUR)] },
    });
    const d = routeOrder(order([['TENT', 2]]), s, policy(), ctx());
    expect(d.outcome === 'allocated' && d.locationIds).toEqual(['dc']);
    expect(d.excluded).toEqual([{ locationId: 'store', reasons: ['insufficient_stock'], failed: expect.objectContaining({ back: true, why: 'counted since the rejection' }) }]);
    expect(d.candidates[0]!.failed).toBeUndefined();
  });
});
