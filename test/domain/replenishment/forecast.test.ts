import { describe, expect, it } from 'vitest';
import {
  classifyDemand,
  crostonRate,
  denseHistory,
  forecastDemand,
  promotionsBySku,
  smoothExponentially,
  weekdayOf,
  windowsAt,
} from '../../../src/domain/replenishment/index.js';
import { day, history, policy, TODAY } from './fixtures.js';

const rules = policy().forecast;

describe('simple exponential smoothing', () => {
  it('moves the level by alpha towards each new day, starting at the first', () => {
    // 10 → 10 + .5(20 − 10) = 15 → 15 + .5(30 − 15) = 22.5; one-step errors 10 and 15.
    const fit = smoothExponentially([10, 20, 30], 0.5);
    expect(fit.level).toBeCloseTo(22.5, 10);
    expect(fit.errorStdDev).toBeCloseTo(Math.sqrt((100 + 225) / 2), 10);
  });

  it('weights the newest day by alpha: a small alpha barely reacts to a jump', () => {
    expect(smoothExponentially([10, 10, 10, 40], 0.1).level).toBeCloseTo(13, 10);
    expect(smoothExponentially([10, 10, 10, 40], 0.9).level).toBeCloseTo(37, 10);
  });
});

describe('Croston and SBA', () => {
  // Starts at the averages: size (3 + 6)/2 = 4.5, interval 8/2 = 4. The first sale only starts the
  // interval count; the sale of 6 after 4 days updates size 4.5 → 5.25 and interval 4 → 4 at α 0.5.
  const series = [0, 0, 3, 0, 0, 0, 6, 0];

  it('divides the smoothed size by the smoothed interval', () => {
    expect(crostonRate(series, 0.5, 'croston').rate).toBeCloseTo(5.25 / 4, 10);
  });

  it('updates size and interval only on days with a sale', () => {
    // Averages: size 11/3, interval 11/3. Sale of 6 after 4 days: size 29/6, interval 23/6.
    // Sale of 2 after 6 days: size 41/12, interval 59/12 → rate 41/59. Zero days change nothing.
    expect(crostonRate([3, 0, 0, 0, 6, 0, 0, 0, 0, 0, 2], 0.5, 'croston').rate).toBeCloseTo(41 / 59, 10);
  });

  it('SBA removes the bias with (1 − α/2)', () => {
    expect(crostonRate(series, 0.5, 'sba').rate).toBeCloseTo(0.75 * (5.25 / 4), 10);
  });

  it('forecasts nothing for a series that never sold', () => {
    expect(crostonRate([0, 0, 0], 0.5, 'sba').rate).toBe(0);
  });
});

describe('demand classification (ADI / CV²)', () => {
  const cut = { adiCutoff: 1.32, cv2Cutoff: 0.49 };
  it('sorts series into the four Syntetos–Boylan classes', () => {
    expect(classifyDemand([5, 5, 5, 5], cut).demandClass).toBe('smooth');
    expect(classifyDemand([1, 9, 1, 9], cut).demandClass).toBe('erratic');
    expect(classifyDemand([0, 4, 0, 0, 4, 0], cut).demandClass).toBe('intermittent');
    expect(classifyDemand([0, 1, 0, 0, 12, 0], cut).demandClass).toBe('lumpy');
    expect(classifyDemand([0, 0], cut).demandClass).toBe('no_demand');
  });

  it('reads the cut-offs from policy', () => {
    const series = [0, 4, 4, 0, 4, 4]; // ADI 1.5
    expect(classifyDemand(series, cut).demandClass).toBe('intermittent');
    expect(classifyDemand(series, { adiCutoff: 2, cv2Cutoff: 0.49 }).demandClass).toBe('smooth');
  });

  it('forecasts regular sellers by smoothing and intermittent ones by SBA', () => {
    const regular = forecastDemand(denseHistory(history(56, () => 10), TODAY, 90), TODAY, 3, [], rules);
    expect(regular.method).toBe('ses_weekday');
    expect([...regular.daily]).toEqual([10, 10, 10]);
    const sparse = forecastDemand(denseHistory(history(56, (i) => (i % 4 === 0 ? 8 : 0)), TODAY, 90), TODAY, 3, [], rules);
    expect(sparse.demandClass).toBe('intermittent');
    expect(sparse.method).toBe('sba');
    // Every interval is 4 and every size 8: the rate is 8/4 = 2 per day, times SBA's (1 − 0.1/2).
    expect(sparse.daily[0]).toBeCloseTo(2 * 0.95, 10);
  });
});

describe('day-of-week seasonality', () => {
  // Weekends sell 20, weekdays 5.
  const weekendHeavy = (weeks: number) => history(weeks * 7, (_, d) => (weekdayOf(d) === 0 || weekdayOf(d) === 6 ? 20 : 5));

  it('applies weekday indices when history covers the policy minimum', () => {
    const f = forecastDemand(denseHistory(weekendHeavy(8), TODAY, 90), TODAY, 7, [], rules);
    expect(f.method).toBe('ses_weekday');
    // Today is a Monday: Mon..Fri 5, Sat and Sun 20.
    expect([...f.daily].map((x) => Math.round(x * 1e6) / 1e6)).toEqual([5, 5, 5, 5, 5, 20, 20]);
  });

  it('forecasts flat when the history is shorter than the minimum', () => {
    const f = forecastDemand(denseHistory(weekendHeavy(3), TODAY, 90), TODAY, 7, [], rules);
    expect(f.method).toBe('ses');
    expect(f.weekday).toBeNull();
    expect(new Set(f.daily).size).toBe(1);
  });

  it('can be switched off by policy', () => {
    const f = forecastDemand(denseHistory(weekendHeavy(8), TODAY, 90), TODAY, 7, [], policy({ forecast: { seasonality: { enabled: false } } }).forecast);
    expect(f.method).toBe('ses');
  });
});

describe('promotion uplift', () => {
  const base = denseHistory(history(56, () => 10), TODAY, 90);
  const promos = promotionsBySku([
    { promotionId: 'p1', skus: ['SKU-1'], uplift: 1.5, from: day(2), to: day(3) },
    { promotionId: 'p2', skus: ['SKU-1'], uplift: 3, from: day(5), to: day(5), locationIds: ['B'] },
  ]);

  it('multiplies the forecast on the days inside the window only, both ends included', () => {
    const f = forecastDemand(base, TODAY, 6, windowsAt(promos.get('SKU-1'), 'A'), rules);
    expect([...f.daily]).toEqual([10, 10, 15, 15, 10, 10]);
  });

  it('applies a location-scoped promotion only at its locations', () => {
    expect(forecastDemand(base, TODAY, 6, windowsAt(promos.get('SKU-1'), 'B'), rules).daily[5]).toBe(30);
    expect(promos.get('SKU-2')).toBeUndefined();
  });

  it('scales past promotion days back to baseline so they do not inflate the forecast', () => {
    const lifted = denseHistory(history(56, (i) => (i >= 50 ? 20 : 10)), TODAY, 90);
    const past = promotionsBySku([{ promotionId: 'old', skus: ['SKU-1'], uplift: 2, from: day(-6), to: day(-1) }]);
    const w = windowsAt(past.get('SKU-1'), 'A');
    expect(forecastDemand(lifted, TODAY, 1, w, rules).daily[0]).toBeCloseTo(10, 10);
    const raw = forecastDemand(lifted, TODAY, 1, w, policy({ forecast: { discountPastPromotions: false } }).forecast);
    expect(raw.daily[0]).toBeGreaterThan(15);
  });
});
