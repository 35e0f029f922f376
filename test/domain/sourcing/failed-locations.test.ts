import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { failedLocationsNow, routeOrder, type FailedLocation, type StockVerification } from '../../../src/domain/sourcing/index.js';
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
