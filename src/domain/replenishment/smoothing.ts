/** The state simple exponential smoothing ends with, and how wrong its one-step forecasts were. */
export interface SmoothingFit {
  /** Deseasonalised daily demand level after the last day. */
  level: number;
  /** Root mean square of the one-step-ahead errors (units per day); feeds safety stock. */
  errorStdDev: number;
}

/**
 * Simple exponential smoothing: level ← level + α (y − level), started at the first day. With
 * weekday `factors` (one per position, mean 1) each day is compared with level × its factor, so the
 * level stays a weekday-neutral rate; a day with factor 0 (e.g. a closed store) teaches nothing.
 */
export function smoothExponentially(values: ArrayLike<number>, alpha: number, factors?: ArrayLike<number>): SmoothingFit {
  const n = values.length;
  if (n === 0) return { level: 0, errorStdDev: 0 };
  const f0 = factors ? factors[0]! : 1;
  let level = f0 > 0 ? values[0]! / f0 : 0;
  let sq = 0;
  for (let i = 1; i < n; i++) {
    const f = factors ? factors[i]! : 1;
    const y = values[i]!;
    const err = y - level * f;
    sq += err * err;
    if (f > 0) level += alpha * (y / f - level);
  }
  return { level, errorStdDev: n > 1 ? Math.sqrt(sq / (n - 1)) : 0 };
}
