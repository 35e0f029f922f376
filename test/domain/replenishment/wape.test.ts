import { describe, expect, it } from 'vitest';
import { backtestWape, crostonRate, wape } from '../../../src/domain/replenishment/index.js';
import { history, policy, TODAY } from './fixtures.js';

describe('WAPE', () => {
  it('is the absolute error weighted by volume', () => {
    expect(wape([10, 10, 0], [8, 12, 1])).toBeCloseTo(5 / 20, 10);
  });

  it('is undefined, not perfect, when nothing sold', () => {
    expect(wape([0, 0], [1, 1])).toBeNull();
  });
});

describe('backtest by demand class', () => {
  const rules = policy({ forecast: { backtestDays: 14 } }).forecast;

  it('holds out the last days, forecasts them from the rest and pools errors per class', () => {
    const steady = { history: history(56, () => 10) };
    // Sells 8 every 4th day; the hold-out (days 42..55) is forecast by SBA from days 0..41 only.
    const sparse = { history: history(56, (i) => (i % 4 === 0 ? 8 : 0)) };
    const report = backtestWape([steady, sparse], TODAY, rules);
    expect(report.byClass.smooth).toMatchObject({ wape: 0, series: 1, actual: 140 });
    const holdout = history(56, (i) => (i >= 42 && i % 4 === 0 ? 8 : 0)).reduce((s, d) => s + d.quantity, 0);
    const cells: number[] = Array.from({ length: 14 }, (_, k) => ((42 + k) % 4 === 0 ? 8 : 0));
    const train = Array.from({ length: 42 }, (_, k) => (k % 4 === 0 ? 8 : 0));
    const rate = crostonRate(train, rules.croston.alpha, 'sba').rate;
    expect(rate).toBeGreaterThan(1.8);
    const expectedError = cells.reduce((s, a) => s + Math.abs(a - rate), 0);
    expect(report.byClass.intermittent.series).toBe(1);
    expect(report.byClass.intermittent.actual).toBe(holdout);
    expect(report.byClass.intermittent.wape).toBeCloseTo(expectedError / holdout, 10);
    expect(report.overall.actual).toBe(140 + holdout);
    expect(report.byClass.lumpy.wape).toBeNull();
  });

  it('skips series too short to hold anything out', () => {
    expect(backtestWape([{ history: history(10, () => 3) }], TODAY, rules).overall.series).toBe(0);
  });
});
