import { DEMAND_CLASSES, type DemandClass } from './classify.js';
import { denseHistory, type DailyQuantity } from './history.js';
import type { ReplenishmentPolicy } from './policy.js';
import { forecastDemand } from './forecast.js';
import type { PromotionWindow } from './promotion.js';

/** Weighted absolute percentage error Σ|actual − forecast| ÷ Σ actual; null when nothing sold. */
export function wape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number | null {
  let err = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    err += Math.abs(actual[i]! - (forecast[i] ?? 0));
    sum += actual[i]!;
  }
  return sum > 0 ? err / sum : null;
}

export interface WapeCell {
  /** null when the hold-out holds no demand (WAPE is undefined, not 0). */
  wape: number | null;
  series: number;
  actual: number;
  absoluteError: number;
}

export interface WapeReport {
  overall: WapeCell;
  byClass: Record<DemandClass, WapeCell>;
}

export interface BacktestSeries {
  history: readonly DailyQuantity[];
  promotions?: readonly PromotionWindow[];
}

/**
 * Hold-out backtest: each series is fitted on its history up to `backtestDays` before `today` and
 * forecasts those days; errors are pooled by the demand class the training part falls in, so a
 * class's WAPE is weighted by volume (a slow seller's 100 % miss of one unit does not dominate).
 */
export function backtestWape(series: readonly BacktestSeries[], today: number, rules: ReplenishmentPolicy['forecast']): WapeReport {
  const cell = (): WapeCell => ({ wape: null, series: 0, actual: 0, absoluteError: 0 });
  const byClass = Object.fromEntries(DEMAND_CLASSES.map((c) => [c, cell()])) as Record<DemandClass, WapeCell>;
  const overall = cell();
  const h = rules.backtestDays;
  for (const s of series) {
    const full = denseHistory(s.history, today, rules.historyDays);
    if (full.values.length <= h) continue;
    const cut = full.values.length - h;
    const train = { startDay: full.startDay, values: full.values.subarray(0, cut) };
    const f = forecastDemand(train, full.startDay + cut, h, s.promotions ?? [], rules);
    let actual = 0;
    let err = 0;
    for (let i = 0; i < h; i++) {
      actual += full.values[cut + i]!;
      err += Math.abs(full.values[cut + i]! - f.daily[i]!);
    }
    for (const c of [byClass[f.demandClass], overall]) {
      c.series++;
      c.actual += actual;
      c.absoluteError += err;
    }
  }
  for (const c of [...Object.values(byClass), overall]) c.wape = c.actual > 0 ? c.absoluteError / c.actual : null;
  return { overall, byClass };
}
