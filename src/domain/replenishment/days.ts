/**
 * Replenishment reasons in calendar days: lead times, review periods and promotion windows are all
 * quoted in days. A day is a UTC calendar day numbered from 1970-01-01 (day 0), so arithmetic is
 * integer addition and a weekday is a remainder — no Date objects in the hot loop of an evaluation.
 */
export const DAY_MS = 86_400_000;

/** The day an instant falls on. */
export function dayOf(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

const parsed = new Map<string, number>();

/**
 * Day number of an ISO date (`YYYY-MM-DD`). Histories repeat the same few dozen dates across
 * thousands of sku × location pairs, so parses are memoised.
 */
export function dayNumber(isoDate: string): number {
  const hit = parsed.get(isoDate);
  if (hit !== undefined) return hit;
  const ms = Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date: ${isoDate}`);
  const day = ms / DAY_MS;
  if (parsed.size > 100_000) parsed.clear();
  parsed.set(isoDate, day);
  return day;
}

const formatted = new Map<number, string>();

/** ISO date of a day number; memoised for the same reason as parsing (projections repeat dates). */
export function isoDate(day: number): string {
  const hit = formatted.get(day);
  if (hit !== undefined) return hit;
  const iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
  if (formatted.size > 100_000) formatted.clear();
  formatted.set(day, iso);
  return iso;
}

/** 0 = Sunday … 6 = Saturday (day 0 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}
