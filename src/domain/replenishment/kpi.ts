import { dayNumber } from './days.js';
import type { StockoutRisk } from './types.js';

/** The days after a detection in which the stockout it warned about would have happened. */
export interface RiskWatch {
  sku: string;
  locationId: string;
  from: string;
  /** Inclusive. */
  to: string;
}

/** Closing on-hand of one sku at one location on one day. */
export interface StockLevelRecord {
  sku: string;
  locationId: string;
  date: string;
  onHand: number;
}

export interface StockoutPreventionKpi {
  /** Distinct risk episodes (repeated daily detections of one shortfall count once). */
  detected: number;
  prevented: number;
  /** prevented ÷ detected; null when nothing was detected (no rate, rather than a perfect one). */
  rate: number | null;
  /** Episodes that still reached zero stock, for follow-up. */
  reachedZero: RiskWatch[];
}

/** A risk is watched from its detection to the end of the projection that raised it. */
export function riskWatchOf(risk: StockoutRisk): RiskWatch {
  const last = risk.projection.length > 0 ? risk.projection[risk.projection.length - 1]!.date : risk.breachDate;
  return { sku: risk.sku, locationId: risk.locationId, from: risk.detectedDate, to: last };
}

/**
 * Stockout prevention rate (SPEC §7): of the risks detected, the share that never reached zero stock
 * while they were watched. The check runs daily and re-detects an unresolved shortfall each day, so
 * overlapping watches of one sku × location are merged into one episode before counting.
 */
export function stockoutPreventionRate(watches: readonly RiskWatch[], stock: readonly StockLevelRecord[]): StockoutPreventionKpi {
  const zeroDays = new Map<string, number[]>();
  for (const s of stock) {
    if (s.onHand > 0) continue;
    const k = `${s.sku}\u0000${s.locationId}`;
    const list = zeroDays.get(k);
    if (list) list.push(dayNumber(s.date));
    else zeroDays.set(k, [dayNumber(s.date)]);
  }
  const episodes = mergeOverlapping(watches);
  const reachedZero: RiskWatch[] = [];
  for (const e of episodes) {
    const days = zeroDays.get(`${e.watch.sku}\u0000${e.watch.locationId}`) ?? [];
    if (days.some((d) => d >= e.from && d <= e.to)) reachedZero.push(e.watch);
  }
  const detected = episodes.length;
  const prevented = detected - reachedZero.length;
  return { detected, prevented, rate: detected === 0 ? null : prevented / detected, reachedZero };
}

function mergeOverlapping(watches: readonly RiskWatch[]): Array<{ watch: RiskWatch; from: number; to: number }> {
  const sorted = watches
    .map((w) => ({ watch: w, from: dayNumber(w.from), to: dayNumber(w.to) }))
    .sort((a, b) => cmp(a.watch.sku, b.watch.sku) || cmp(a.watch.locationId, b.watch.locationId) || a.from - b.from);
  const out: Array<{ watch: RiskWatch; from: number; to: number }> = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && last.watch.sku === w.watch.sku && last.watch.locationId === w.watch.locationId && w.from <= last.to) {
      last.to = Math.max(last.to, w.to);
      last.watch = { ...last.watch, to: w.to > dayNumber(last.watch.to) ? w.watch.to : last.watch.to };
      continue;
    }
    out.push({ ...w });
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
