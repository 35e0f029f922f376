import { dayNumber } from './days.js';

/** A scheduled promotion (the `promotion.scheduled` payload). */
export interface Promotion {
  readonly promotionId: string;
  readonly skus: readonly string[];
  readonly uplift: number;
  readonly from: string;
  readonly to: string;
  readonly locationIds?: readonly string[];
}

export interface PromotionWindow {
  readonly fromDay: number;
  /** Inclusive. */
  readonly toDay: number;
  readonly uplift: number;
  readonly locationIds: ReadonlySet<string> | null;
}

/** Promotions by sku, parsed once per evaluation rather than once per location. */
export function promotionsBySku(promotions: readonly Promotion[]): Map<string, PromotionWindow[]> {
  const out = new Map<string, PromotionWindow[]>();
  for (const p of promotions) {
    const w: PromotionWindow = {
      fromDay: dayNumber(p.from),
      toDay: dayNumber(p.to),
      uplift: p.uplift,
      locationIds: p.locationIds ? new Set(p.locationIds) : null,
    };
    for (const sku of p.skus) {
      const list = out.get(sku);
      if (list) list.push(w);
      else out.set(sku, [w]);
    }
  }
  return out;
}

export function windowsAt(windows: readonly PromotionWindow[] | undefined, locationId: string): PromotionWindow[] {
  if (!windows) return [];
  return windows.filter((w) => w.locationIds === null || w.locationIds.has(locationId));
}

/**
 * Demand multiplier on a day. Overlapping promotions take the largest uplift rather than the
 * product: they compete for the same shoppers, and compounding would order for demand that never comes.
 */
export function upliftOn(day: number, windows: readonly PromotionWindow[]): number {
  let u = 1;
  let any = false;
  for (const w of windows) {
    if (day < w.fromDay || day > w.toDay) continue;
    u = any ? Math.max(u, w.uplift) : w.uplift;
    any = true;
  }
  return u;
}
