import { classifyDemand, isRegular, type DemandClass } from './classify.js';
import { crostonRate } from './croston.js';
import { weekdayOf } from './days.js';
import type { DenseHistory } from './history.js';
import type { ReplenishmentPolicy } from './policy.js';
import { upliftOn, type PromotionWindow } from './promotion.js';
import { weekdayIndices } from './seasonality.js';
import { smoothExponentially } from './smoothing.js';

export type ForecastMethod = 'ses' | 'ses_weekday' | 'croston' | 'sba' | 'none';

export interface DemandForecast {
  demandClass: DemandClass;
  method: ForecastMethod;
  adi: number;
  cv2: number;
  /** Weekday- and promotion-neutral daily rate. */
  baseRate: number;
  /** Weekday indices (0 = Sunday) when seasonality applies. */
  weekday: Float64Array | null;
  /** One-step forecast error (units/day), for safety stock. */
  errorStdDev: number;
  /** Expected demand of each day from `fromDay` on, weekday and promotions applied. */
  daily: Float64Array;
  fromDay: number;
}

/**
 * Forecast of one sku at one location for `horizonDays` days starting at `fromDay` (normally today).
 * Past promotion days are scaled back to baseline first (by policy) so last month's promotion is not
 * read as this month's demand; scheduled promotions are then applied to the days inside their window.
 */
export function forecastDemand(
  history: DenseHistory,
  fromDay: number,
  horizonDays: number,
  promotions: readonly PromotionWindow[],
  rules: ReplenishmentPolicy['forecast'],
): DemandForecast {
  const values = rules.discountPastPromotions && promotions.length > 0 ? deflated(history, promotions) : history.values;
  const { demandClass, adi, cv2 } = classifyDemand(values, rules.classification);

  let method: ForecastMethod = 'none';
  let baseRate = 0;
  let errorStdDev = 0;
  let weekday: Float64Array | null = null;
  if (demandClass !== 'no_demand' && isRegular(demandClass)) {
    // Intermittent series are too sparse for per-weekday means to be anything but noise.
    weekday = rules.seasonality.enabled ? weekdayIndices(values, history.startDay, rules.seasonality.minHistoryDays) : null;
    const factors = weekday ? factorsFor(weekday, history.startDay, values.length) : undefined;
    const fit = smoothExponentially(values, rules.smoothingAlpha, factors);
    method = weekday ? 'ses_weekday' : 'ses';
    baseRate = fit.level;
    errorStdDev = fit.errorStdDev;
  } else if (demandClass !== 'no_demand') {
    const fit = crostonRate(values, rules.croston.alpha, rules.croston.variant);
    method = rules.croston.variant;
    baseRate = fit.rate;
    errorStdDev = fit.errorStdDev;
  }

  const daily = new Float64Array(Math.max(0, horizonDays));
  for (let i = 0; i < daily.length; i++) {
    const day = fromDay + i;
    const w = weekday ? weekday[weekdayOf(day)]! : 1;
    daily[i] = baseRate * w * (promotions.length > 0 ? upliftOn(day, promotions) : 1);
  }
  return { demandClass, method, adi, cv2, baseRate, weekday, errorStdDev, daily, fromDay };
}

function factorsFor(weekday: Float64Array, startDay: number, n: number): Float64Array {
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = weekday[weekdayOf(startDay + i)]!;
  return f;
}

function deflated(history: DenseHistory, promotions: readonly PromotionWindow[]): Float64Array {
  const out = Float64Array.from(history.values);
  for (let i = 0; i < out.length; i++) {
    const u = upliftOn(history.startDay + i, promotions);
    if (u !== 1) out[i] = out[i]! / u;
  }
  return out;
}
