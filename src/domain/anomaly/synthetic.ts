import type { DailyDemand } from './demand.js';
import type { OrderFact } from './orders.js';
import type { DailyReturns } from './return-rate.js';
import { seededRandom, type Random } from '../random.js';

/**
 * Synthetic histories with anomalies injected at known places, to measure detection precision and
 * recall. Everything is driven by a seeded PRNG (mulberry32), so a seed always gives the same data.
 */
export { seededRandom, type Random };

function gaussian(rand: Random): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Poisson counts: exact (Knuth) for small means, normal approximation above. */
export function poisson(rand: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rand)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

function isoDay(day: number): string {
  return new Date(Date.UTC(2025, 0, 6) + day * 86_400_000).toISOString().slice(0, 10);
}

const WEEKLY = [0.85, 0.9, 0.9, 1, 1.1, 1.45, 1.3];

export interface SyntheticDemand {
  readonly sku: string;
  readonly series: DailyDemand[];
  readonly anomalyDates: ReadonlySet<string>;
}

/** Weekly rhythm, mild trend, Poisson noise; spikes (promotion-like ×3–6) and drops (stock-out-like) injected after a warm-up. */
export function syntheticDemand(rand: Random, sku: string, days: number, warmUp: number): SyntheticDemand {
  const level = 8 + rand() * 72;
  const trend = (rand() - 0.5) * 0.004;
  const injected = new Set<number>();
  const count = 1 + Math.floor(rand() * 3);
  while (injected.size < count) injected.add(warmUp + Math.floor(rand() * (days - warmUp)));
  const series: DailyDemand[] = [];
  const anomalyDates = new Set<string>();
  for (let d = 0; d < days; d++) {
    const mean = level * WEEKLY[d % 7]! * (1 + trend * d);
    let quantity = poisson(rand, mean);
    if (injected.has(d)) {
      const spike = level < 20 || rand() < 0.6;
      quantity = spike ? Math.round(mean * (3 + rand() * 3)) : Math.round(mean * rand() * 0.15);
      anomalyDates.add(isoDay(d));
    }
    series.push({ date: isoDay(d), quantity });
  }
  return { sku, series, anomalyDates };
}

export interface SyntheticOrders {
  readonly orders: OrderFact[];
  /** Injected events, each a set of order ids; an event is detected when any of its orders is flagged. */
  readonly events: ReadonlyArray<{ kind: 'customer_burst' | 'address_burst' | 'value_outlier'; orderIds: ReadonlySet<string> }>;
}

/** A month of ordinary orders (lognormal values) with injected customer bursts, address bursts and value outliers. */
export function syntheticOrders(rand: Random, customers: number, days: number): SyntheticOrders {
  const hour = 3_600_000;
  const orders: OrderFact[] = [];
  let n = 0;
  const order = (customerId: string, addressKey: string, placedAt: number, value: number): string => {
    const orderId = `o${++n}`;
    orders.push({ orderId, customerId, addressKey, placedAt, value: Math.round(value * 100) / 100 });
    return orderId;
  };
  const normalValue = () => Math.exp(Math.log(60) + 0.5 * gaussian(rand));
  for (let c = 0; c < customers; c++) {
    const k = poisson(rand, 2);
    for (let i = 0; i < k; i++) order(`c${c}`, `a${c}`, Math.floor(rand() * days * 24) * hour, normalValue());
  }
  const events: Array<{ kind: 'customer_burst' | 'address_burst' | 'value_outlier'; orderIds: Set<string> }> = [];
  for (let e = 0; e < 5; e++) {
    const at = Math.floor(rand() * (days - 1) * 24) * hour;
    const ids = new Set<string>();
    const size = 8 + Math.floor(rand() * 5);
    for (let i = 0; i < size; i++) ids.add(order(`burst-c${e}`, `burst-a${e}`, at + Math.floor(rand() * 6 * hour), normalValue()));
    events.push({ kind: 'customer_burst', orderIds: ids });
  }
  for (let e = 0; e < 5; e++) {
    const at = Math.floor(rand() * (days - 1) * 24) * hour;
    const ids = new Set<string>();
    const size = 10 + Math.floor(rand() * 5);
    for (let i = 0; i < size; i++) ids.add(order(`ship-c${e}-${i}`, `reship-a${e}`, at + Math.floor(rand() * 12 * hour), normalValue()));
    events.push({ kind: 'address_burst', orderIds: ids });
  }
  for (let e = 0; e < 8; e++) {
    const at = (2 + Math.floor(rand() * (days - 2) * 24)) * hour;
    events.push({ kind: 'value_outlier', orderIds: new Set([order(`c${Math.floor(rand() * customers)}`, `a-v${e}`, at, normalValue() * (15 + rand() * 25))]) });
  }
  return { orders, events };
}

export interface SyntheticReturns {
  readonly key: string;
  readonly days: DailyReturns[];
  /** Days on which a spike is in progress or still inside the rolling window after it. */
  readonly spikeRegion: ReadonlySet<string>;
  /** Injected spikes, each the set of days a detection counts for. */
  readonly spikes: ReadonlyArray<ReadonlySet<string>>;
}

export function syntheticReturns(rand: Random, key: string, days: number, warmUp: number, windowDays: number): SyntheticReturns {
  const base = 0.04 + rand() * 0.08;
  const volume = 40 + rand() * 80;
  const start = warmUp + Math.floor(rand() * (days - warmUp - 10));
  const length = 3 + Math.floor(rand() * 4);
  const spikeRate = base * (2.5 + rand() * 2);
  const out: DailyReturns[] = [];
  const region = new Set<string>();
  for (let d = 0; d < days; d++) {
    const orders = poisson(rand, volume);
    const inSpike = d >= start && d < start + length;
    const rate = inSpike ? spikeRate : base;
    let returns = 0;
    for (let i = 0; i < orders; i++) if (rand() < rate) returns++;
    if (d >= start && d < start + length + windowDays - 1) region.add(isoDay(d));
    out.push({ date: isoDay(d), orders, returns });
  }
  return { key, days: out, spikeRegion: region, spikes: [region] };
}

export interface SyntheticRegulars {
  readonly orders: OrderFact[];
  /** Injected value outliers: one order each, far from its customer's own usual (not necessarily from the shop's). */
  readonly outlierIds: ReadonlySet<string>;
}

/**
 * Two months of orders where regular customers matter: one-off shoppers around 60, and regulars who
 * each order around a level of their own (10 to 600: a student's top-ups, a trade account's bulk
 * buys). Outliers are injected at 8–15× a regular's own level in the second month: a small spender's
 * 10× can be an ordinary order for the shop, and a trade account's usual order looks far off to it.
 */
export function syntheticRegulars(rand: Random, oneOffs: number, regulars: number, days: number): SyntheticRegulars {
  const hour = 3_600_000;
  const orders: OrderFact[] = [];
  let n = 0;
  const order = (customerId: string, placedAt: number, value: number): string => {
    const orderId = `r${++n}`;
    orders.push({ orderId, customerId, addressKey: `addr-${customerId}`, placedAt, value: Math.round(value * 100) / 100 });
    return orderId;
  };
  for (let c = 0; c < oneOffs; c++) order(`once-${c}`, Math.floor(rand() * days * 24) * hour, Math.exp(Math.log(60) + 0.5 * gaussian(rand)));
  const levels: number[] = [];
  for (let c = 0; c < regulars; c++) {
    const level = Math.exp(Math.log(10) + rand() * Math.log(60));
    levels.push(level);
    const k = poisson(rand, 16);
    for (let i = 0; i < k; i++) order(`reg-${c}`, Math.floor(rand() * days * 24) * hour, level * Math.exp(0.25 * gaussian(rand)));
  }
  const outlierIds = new Set<string>();
  for (let e = 0; e < 20; e++) {
    const c = Math.floor(rand() * regulars);
    const at = Math.floor((days / 2 + rand() * (days / 2 - 1)) * 24) * hour;
    outlierIds.add(order(`reg-${c}`, at, levels[c]! * (8 + rand() * 7)));
  }
  return { orders, outlierIds };
}
