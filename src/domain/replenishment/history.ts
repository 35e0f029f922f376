import { dayNumber } from './days.js';

/** Units ordered on one day at one location (order history as recorded). */
export interface DailyQuantity {
  readonly date: string;
  readonly quantity: number;
}

/** A gap-free daily series: values[i] is the demand of day startDay + i. */
export interface DenseHistory {
  readonly startDay: number;
  readonly values: Float64Array;
}

/**
 * The last `maxDays` complete days before `today`, one value per day. A day with no record sold
 * nothing (the order log is complete), so it is a zero, not a gap; today is still selling and is left
 * out. The series starts at the first recorded sale so a new listing is not read as weeks of zeros.
 */
export function denseHistory(records: readonly DailyQuantity[], today: number, maxDays: number): DenseHistory {
  let first = Infinity;
  for (const r of records) {
    const d = dayNumber(r.date);
    if (d < first) first = d;
  }
  const startDay = Math.max(first, today - maxDays);
  if (!Number.isFinite(startDay) || startDay >= today) return { startDay: today, values: new Float64Array(0) };
  const values = new Float64Array(today - startDay);
  for (const r of records) {
    const i = dayNumber(r.date) - startDay;
    if (i >= 0 && i < values.length) values[i] += r.quantity;
  }
  return { startDay, values };
}
