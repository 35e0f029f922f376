import type { AnomalyRules } from './rules.js';
import { detectReturnRateSpikes, type DailyReturns } from './return-rate.js';
import { DAY_MS, utcDay } from './utc-day.js';

/** Return cases opened for a sku on a UTC day (`returnsPerSkuDay` reads them). */
export interface ReturnedSkuDay {
  readonly sku: string;
  readonly day: string;
  readonly returns: number;
}

/** An order as the return-rate scan counts it: when it was placed and which skus it carries. */
export interface OrderedSkus {
  readonly placedMs: number;
  /** A cancelled order shipped nothing, so nothing of it can come back: not counted. */
  readonly cancelled: boolean;
  readonly skus: readonly string[];
}

/** A finding in the shape the scan records and announces (`anomaly.detected`). */
export interface ScanFinding {
  readonly kind: 'return_rate';
  readonly key: string;
  readonly day: string;
  readonly score: number;
  readonly explanation: string;
  readonly detail: Record<string, unknown>;
}


/**
 * Return-rate spikes per sku over the complete UTC days [fromMs, toMs): returns opened on a day over
 * orders of the sku placed that day, summed over the detector's rolling window (a return comes days
 * after its order; over a window of days the two even out, and a bad batch shows as soon as its
 * returns arrive, not once its orders are old). Only findings on `reportFrom` or later are news.
 * Skus are taken in name order, days in date order: the same rows give the same findings.
 */
export function returnRateFindings(
  input: { orders: readonly OrderedSkus[]; returns: readonly ReturnedSkuDay[]; fromMs: number; toMs: number; reportFrom: string },
  rules: AnomalyRules['returnRate'],
): ScanFinding[] {
  const perSku = new Map<string, { orders: Map<string, number>; returns: Map<string, number> }>();
  const of = (sku: string) => {
    let s = perSku.get(sku);
    if (!s) perSku.set(sku, (s = { orders: new Map(), returns: new Map() }));
    return s;
  };
  for (const o of input.orders) {
    if (o.cancelled || o.placedMs < input.fromMs || o.placedMs >= input.toMs) continue;
    const d = utcDay(o.placedMs);
    for (const sku of new Set(o.skus)) {
      const s = of(sku);
      s.orders.set(d, (s.orders.get(d) ?? 0) + 1);
    }
  }
  for (const r of input.returns) {
    const s = of(r.sku);
    s.returns.set(r.day, (s.returns.get(r.day) ?? 0) + r.returns);
  }

  const days: string[] = [];
  for (let t = Math.floor(input.fromMs / DAY_MS) * DAY_MS; t < input.toMs; t += DAY_MS) days.push(utcDay(t));
  const found: ScanFinding[] = [];
  for (const sku of [...perSku.keys()].sort()) {
    const s = perSku.get(sku)!;
    const series: DailyReturns[] = days.map((date) => ({ date, orders: s.orders.get(date) ?? 0, returns: s.returns.get(date) ?? 0 }));
    for (const a of detectReturnRateSpikes(sku, series, rules)) {
      if (a.date < input.reportFrom) continue;
      found.push({ kind: 'return_rate', key: sku, day: a.date, score: a.score, explanation: a.explanation, detail: { sku, rate: a.rate, baselineRate: a.baselineRate, windowDays: rules.windowDays } });
    }
  }
  return found;
}
