import { describe, expect, it } from 'vitest';
import { detectDemandAnomalies } from '../../../src/domain/anomaly/demand.js';
import { evaluateAnomalyDetection } from '../../../src/domain/anomaly/evaluate.js';
import { detectOrderAnomalies } from '../../../src/domain/anomaly/orders.js';
import type { OrderFact } from '../../../src/domain/anomaly/orders.js';
import { detectReturnRateSpikes } from '../../../src/domain/anomaly/return-rate.js';
import { median } from '../../../src/domain/anomaly/robust.js';
import { seededRandom } from '../../../src/domain/anomaly/synthetic.js';
import { defaultAnomalyPolicy as policy } from '../../../src/policy/kinds/anomaly.js';

const day = (d: number) => new Date(Date.UTC(2025, 0, 6 + d)).toISOString().slice(0, 10);

describe('robust baseline', () => {
  it('median ignores the outliers a mean would follow', () => {
    expect(median([1, 2, 3, 1000])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
  });
});

describe('demand anomalies', () => {
  // A strong weekly rhythm: Saturdays sell triple. A Saturday at triple is normal; a Tuesday at triple is not.
  const weekly = (d: number) => (d % 7 === 5 ? 60 : 20) + ((d * 7) % 5) - 2;
  const series = Array.from({ length: 70 }, (_, d) => ({ date: day(d), quantity: weekly(d) }));

  it('compares with the same weekday, so the weekly peak is not an anomaly', () => {
    expect(detectDemandAnomalies('SKU', series, policy.demand)).toEqual([]);
  });

  it('finds a spike and a drop with an explanation', () => {
    const s = series.map((p, d) => (d === 50 ? { ...p, quantity: 95 } : d === 61 ? { ...p, quantity: 0 } : p));
    const found = detectDemandAnomalies('SKU', s, policy.demand);
    expect(found.map((f) => [f.date, f.direction])).toEqual([[day(50), 'spike'], [day(61), 'drop']]);
    expect(found[0]!.score).toBeGreaterThan(1);
    expect(found[0]!.explanation).toContain('SKU sold 95');
  });

  it('does not score days without enough history', () => {
    const s = series.map((p, d) => (d === 5 ? { ...p, quantity: 999 } : p));
    expect(detectDemandAnomalies('SKU', s, policy.demand).some((f) => f.date === day(5))).toBe(false);
  });
});

describe('order patterns', () => {
  const H = 3_600_000;
  const rand = seededRandom(7);
  const normal: OrderFact[] = Array.from({ length: 60 }, (_, i) => ({ orderId: `n${i}`, customerId: `c${i}`, addressKey: `a${i}`, placedAt: i * H, value: 40 + Math.round(rand() * 40) }));

  it('flags a customer ordering more than the limit within the window, from the first order over it', () => {
    const burst = Array.from({ length: 7 }, (_, i) => ({ orderId: `b${i}`, customerId: 'bot', addressKey: `x${i}`, placedAt: 100 * H + i * 60_000, value: 50 }));
    const found = detectOrderAnomalies([...normal, ...burst], policy.orders).filter((f) => f.kind === 'customer_velocity');
    expect(found.map((f) => f.orderId)).toEqual(['b5', 'b6']);
    expect(found[0]!.explanation).toContain('6 orders from customer bot');
  });

  it('flags many customers shipping to one address', () => {
    const reship = Array.from({ length: 9 }, (_, i) => ({ orderId: `r${i}`, customerId: `new${i}`, addressKey: 'drop', placedAt: 100 * H + i * H, value: 50 }));
    expect(detectOrderAnomalies([...normal, ...reship], policy.orders).filter((f) => f.kind === 'address_velocity').map((f) => f.orderId)).toEqual(['r8']);
  });

  it('flags an order value far above the usual, not an ordinary one', () => {
    const found = detectOrderAnomalies([...normal, { orderId: 'big', customerId: 'c1', addressKey: 'a1', placedAt: 200 * H, value: 2400 }, { orderId: 'ok', customerId: 'c2', addressKey: 'a2', placedAt: 201 * H, value: 75 }], policy.orders);
    expect(found.map((f) => [f.orderId, f.kind])).toEqual([['big', 'value_outlier']]);
  });
});

describe('return-rate spikes', () => {
  it('flags a jump in the rolling return rate, and not a steady rate', () => {
    const days = Array.from({ length: 100 }, (_, d) => ({ date: day(d), orders: 100, returns: d >= 80 && d < 84 ? 30 : 5 + (d % 3) }));
    const found = detectReturnRateSpikes('SKU', days, policy.returnRate);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((f) => f.date >= day(80) && f.date <= day(90))).toBe(true);
    expect(found[0]!.baselineRate).toBeCloseTo(0.06, 2);
    expect(detectReturnRateSpikes('SKU', days.slice(0, 80), policy.returnRate)).toEqual([]);
  });
});

describe('precision and recall on seeded synthetic series with injected anomalies', () => {
  const e = evaluateAnomalyDetection(policy);

  it('is reproducible for a seed', () => {
    expect(evaluateAnomalyDetection(policy, e.seed)).toEqual(e);
  });

  it('demand: precision ≥ 0.9, recall ≥ 0.9', () => {
    expect(e.demand.injected).toBeGreaterThan(80);
    expect(e.demand.precision).toBeGreaterThanOrEqual(0.9);
    expect(e.demand.recall).toBeGreaterThanOrEqual(0.9);
  });

  it('order patterns: precision ≥ 0.95, recall ≥ 0.95', () => {
    expect(e.orders.precision).toBeGreaterThanOrEqual(0.95);
    expect(e.orders.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('order values with regular customers: their own baseline finds what every order as the baseline cannot', () => {
    expect(e.regularValues.customerBaseline.injected).toBe(100);
    expect(e.regularValues.customerBaseline.precision).toBeGreaterThanOrEqual(0.95);
    expect(e.regularValues.customerBaseline.recall).toBeGreaterThanOrEqual(0.8);
    expect(e.regularValues.allOrdersBaseline.recall).toBeLessThan(0.1);
  });

  it('return-rate spikes: precision ≥ 0.95, recall ≥ 0.85', () => {
    expect(e.returnRate.precision).toBeGreaterThanOrEqual(0.95);
    expect(e.returnRate.recall).toBeGreaterThanOrEqual(0.85);
  });
});
