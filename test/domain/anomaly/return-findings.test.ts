import { describe, expect, it } from 'vitest';
import { returnRateFindings, type OrderedSkus, type ReturnedSkuDay } from '../../../src/domain/anomaly/return-findings.js';
import { defaultAnomalyPolicy as policy } from '../../../src/policy/kinds/anomaly.js';

const DAY = 86_400_000;
const D0 = Date.parse('2026-06-01T00:00:00Z');
const iso = (d: number) => new Date(D0 + d * DAY).toISOString().slice(0, 10);
const DAYS = 70;

/** 20 orders a day of each sku; `rate(sku, d)` of them come back the same day. */
function history(rate: (sku: string, d: number) => number, skus = ['BOOT', 'SOCK']) {
  const orders: OrderedSkus[] = [];
  const returns: ReturnedSkuDay[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (let i = 0; i < 20; i++) orders.push({ placedMs: D0 + d * DAY + i * 1000, cancelled: false, skus });
    for (const sku of skus) returns.push({ sku, day: iso(d), returns: Math.round(20 * rate(sku, d)) });
  }
  return { orders, returns };
}
const run = (h: ReturnType<typeof history>, reportFrom = iso(63)) => returnRateFindings({ ...h, fromMs: D0, toMs: D0 + DAYS * DAY, reportFrom }, policy.returnRate);

describe('return-rate findings for the scan', () => {
  it('finds the sku whose returns jump, in the scan shape, on report days only', () => {
    const found = run(history((sku, d) => (sku === 'BOOT' && d >= 64 ? 0.35 : 0.05)));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((f) => f.kind === 'return_rate' && f.key === 'BOOT' && f.day >= iso(64))).toBe(true);
    expect(found[0]).toMatchObject({ detail: { sku: 'BOOT', baselineRate: 0.05, windowDays: policy.returnRate.windowDays } });
    expect(found[0]!.score).toBeGreaterThanOrEqual(1);
    // Days before reportFrom are history: a later report start hides the early days of the spike.
    expect(run(history((sku, d) => (sku === 'BOOT' && d >= 64 ? 0.35 : 0.05)), iso(69)).every((f) => f.day === iso(69))).toBe(true);
  });

  it('a steady rate is no finding', () => {
    expect(run(history(() => 0.05))).toEqual([]);
  });

  it('cancelled orders are not sales: a sku sold only in cancelled orders has too few orders to score', () => {
    const h = history((sku, d) => (d >= 64 ? 0.35 : 0.05), ['BOOT']);
    expect(run(h).length).toBeGreaterThan(0);
    expect(run({ ...h, orders: h.orders.map((o) => ({ ...o, cancelled: true })) })).toEqual([]);
  });

  it('the same rows in another order give the same findings', () => {
    const h = history((sku, d) => (d >= 64 ? 0.35 : 0.05));
    expect(run({ orders: [...h.orders].reverse(), returns: [...h.returns].reverse() })).toEqual(run(h));
  });
});
