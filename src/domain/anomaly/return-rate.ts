import type { AnomalyFinding, AnomalyRules } from './rules.js';
import { robustZ, round } from './robust.js';

/**
 * Return-rate spikes for a sku or channel: returns / orders over a rolling window, compared with the
 * same rolling rate over the baseline before the window (a bad batch or a misleading listing shows
 * up as a jump before anyone reads the reasons). Only increases are reported.
 */
export interface DailyReturns {
  /** ISO date; one entry per consecutive day. */
  readonly date: string;
  readonly orders: number;
  readonly returns: number;
}

export interface ReturnRateAnomaly extends AnomalyFinding {
  readonly key: string;
  readonly date: string;
  readonly rate: number;
  readonly baselineRate: number;
}

export function detectReturnRateSpikes(key: string, days: readonly DailyReturns[], rules: AnomalyRules['returnRate']): ReturnRateAnomaly[] {
  const w = rules.windowDays;
  // windowRate[i] = rate over days (i-w, i]; null when too few orders to mean anything.
  const windowRate: Array<number | null> = days.map((_, i) => {
    if (i + 1 < w) return null;
    let orders = 0;
    let returns = 0;
    for (let j = i - w + 1; j <= i; j++) {
      orders += days[j]!.orders;
      returns += days[j]!.returns;
    }
    return orders >= rules.minOrdersInWindow ? returns / orders : null;
  });
  const found: ReturnRateAnomaly[] = [];
  for (let i = 0; i < days.length; i++) {
    const rate = windowRate[i];
    if (rate === null || rate === undefined) continue;
    // Baseline windows end before the current window starts, so the spike is not part of its own baseline.
    const baseline = windowRate.slice(Math.max(0, i - w - rules.baselineDays + 1), Math.max(0, i - w + 1)).filter((r): r is number => r !== null);
    if (baseline.length < Math.ceil(rules.baselineDays / 2)) continue;
    const r = robustZ(rate, baseline, rules.minScale);
    if (r.z < rules.threshold) continue;
    found.push({
      key,
      date: days[i]!.date,
      rate: round(rate, 4),
      baselineRate: round(r.center, 4),
      score: round(r.z / rules.threshold),
      explanation: `${key}: ${round(rate * 100, 1)}% returned over the ${w} days to ${days[i]!.date}, usually ${round(r.center * 100, 1)}% (robust z ${round(r.z, 1)}, threshold ${rules.threshold}).`,
    });
  }
  return found;
}
