import { weekdayOf } from './days.js';

/**
 * Day-of-week demand indices (index 0 = Sunday), averaging 1, from the history's mean per weekday.
 * Null when the history is shorter than `minHistoryDays` (a single odd week would be read as a
 * weekly rhythm) or holds no demand at all.
 */
export function weekdayIndices(values: ArrayLike<number>, startDay: number, minHistoryDays: number): Float64Array | null {
  if (values.length < Math.max(7, minHistoryDays)) return null;
  const sum = new Float64Array(7);
  const count = new Float64Array(7);
  for (let i = 0; i < values.length; i++) {
    const w = weekdayOf(startDay + i);
    sum[w] += values[i]!;
    count[w]++;
  }
  const means = new Float64Array(7);
  let total = 0;
  for (let w = 0; w < 7; w++) {
    means[w] = sum[w]! / count[w]!;
    total += means[w]!;
  }
  if (total <= 0) return null;
  for (let w = 0; w < 7; w++) means[w] = (means[w]! * 7) / total;
  return means;
}
