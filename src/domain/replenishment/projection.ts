import { isoDate } from './days.js';

/**
 * Day-by-day stock projection (SPEC §5): opening = on hand − reserved; each day receipts arrive
 * first (a delivery serves that day's shoppers) and forecast demand is taken. Demand that finds no
 * stock is lost, not backlogged: a retail shopper buys elsewhere, so a stockout does not make the
 * next receipt look smaller than it is.
 */
export interface Projection {
  readonly opening: number;
  readonly demand: Float64Array;
  readonly receipts: Float64Array;
  readonly closing: Float64Array;
  readonly unmet: Float64Array;
}

export function projectStock(opening: number, demand: Float64Array, receipts: Float64Array): Projection {
  const n = demand.length;
  const closing = new Float64Array(n);
  const unmet = new Float64Array(n);
  let stock = Math.max(0, opening);
  for (let d = 0; d < n; d++) {
    const available = stock + receipts[d]!;
    const need = demand[d]!;
    if (available >= need) {
      stock = available - need;
    } else {
      unmet[d] = need - available;
      stock = 0;
    }
    closing[d] = stock;
  }
  return { opening: Math.max(0, opening), demand, receipts, closing, unmet };
}

/**
 * First day (index from today) on which the projection breaches `level`: demand goes unmet for
 * 'zero', the closing stock falls below `safety` for 'safety_stock'. -1 when it never does before `until`.
 */
export function firstBreach(p: Projection, level: 'zero' | 'safety_stock', safety: number, until: number): number {
  const end = Math.min(until, p.closing.length);
  for (let d = 0; d < end; d++) {
    if (level === 'zero' ? p.unmet[d]! > 0 : p.closing[d]! < safety) return d;
  }
  return -1;
}

/** Stock at the start of day `d`, before its receipts. */
export function stockBefore(p: Projection, d: number): number {
  return d <= 0 ? p.opening : p.closing[d - 1]!;
}

/** Whole days from today on which demand is fully met before the first unmet day. */
export function daysOfCover(p: Projection): number {
  for (let d = 0; d < p.unmet.length; d++) if (p.unmet[d]! > 0) return d;
  return p.unmet.length;
}

export interface ProjectionDay {
  date: string;
  opening: number;
  receipts: number;
  demand: number;
  closing: number;
  unmet: number;
}

/** The projection as records for people (quantities to two decimals), `days` days from today. */
export function projectionDays(p: Projection, today: number, days: number): ProjectionDay[] {
  const out: ProjectionDay[] = [];
  const n = Math.min(days, p.closing.length);
  for (let d = 0; d < n; d++) {
    out.push({
      date: isoDate(today + d),
      opening: r2(stockBefore(p, d)),
      receipts: r2(p.receipts[d]!),
      demand: r2(p.demand[d]!),
      closing: r2(p.closing[d]!),
      unmet: r2(p.unmet[d]!),
    });
  }
  return out;
}

function r2(x: number): number {
  return Math.round(x * 100) / 100;
}
