import type { AnomalyFinding, AnomalyRules } from './rules.js';
import { median, robustScale, round } from './robust.js';

/**
 * Demand anomalies per sku: each day is compared with a trailing baseline (no look-ahead, so the
 * same check runs daily on live data). Retail demand has a weekly rhythm, so the baseline is the
 * same weekday's history when there is enough of it; the spread is the MAD of the whole trailing
 * window's deviations from their own weekday medians, which needs far fewer points to be stable.
 */
export interface DailyDemand {
  /** ISO date, for reporting; the series must be one entry per consecutive day (fill gaps with 0). */
  readonly date: string;
  readonly quantity: number;
}

export interface DemandAnomaly extends AnomalyFinding {
  readonly sku: string;
  readonly date: string;
  readonly observed: number;
  readonly expected: number;
  readonly direction: 'spike' | 'drop';
}

export function detectDemandAnomalies(sku: string, series: readonly DailyDemand[], rules: AnomalyRules['demand']): DemandAnomaly[] {
  const found: DemandAnomaly[] = [];
  for (let i = 0; i < series.length; i++) {
    const from = Math.max(0, i - rules.baselineDays);
    if (i - from < rules.minBaselinePoints) continue;
    const expectedAt = (day: number): number => {
      const same: number[] = [];
      if (rules.byWeekday) for (let j = day - 7; j >= from; j -= 7) same.push(series[j]!.quantity);
      if (same.length >= rules.minWeekdayPoints) return median(same);
      return median(series.slice(from, day).map((d) => d.quantity));
    };
    const expected = expectedAt(i);
    // Residuals of the baseline days against the same kind of expectation, so spread excludes the weekly rhythm.
    const residuals: number[] = [];
    for (let j = from; j < i; j++) {
      const same: number[] = [];
      if (rules.byWeekday) for (let k = j - 7; k >= from; k -= 7) same.push(series[k]!.quantity);
      for (let k = j + 7; k < i; k += 7) same.push(series[k]!.quantity);
      const e = rules.byWeekday && same.length >= rules.minWeekdayPoints - 1 ? median(same) : median(series.slice(from, i).map((d) => d.quantity));
      residuals.push(series[j]!.quantity - e);
    }
    // Units sold are counts, never less noisy than Poisson (√mean); a lucky quiet stretch in a short
    // baseline must not shrink the spread below that and turn ordinary days into anomalies.
    const scale = Math.max(robustScale(residuals, 0, rules.minScale), Math.sqrt(Math.max(expected, 0)));
    const observed = series[i]!.quantity;
    const z = (observed - expected) / scale;
    const score = Math.abs(z) / rules.threshold;
    if (score < 1) continue;
    const direction = z > 0 ? 'spike' : 'drop';
    found.push({
      sku,
      date: series[i]!.date,
      observed,
      expected: round(expected),
      direction,
      score: round(score),
      explanation: `${sku} sold ${observed} on ${series[i]!.date}, expected about ${round(expected, 1)} (spread ${round(scale, 1)}): robust z ${round(z, 1)}, a ${direction} past the threshold of ${rules.threshold}.`,
    });
  }
  return found;
}
