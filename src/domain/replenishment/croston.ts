/** Daily demand rate of an intermittent seller, and the error of the rate against each day. */
export interface CrostonFit {
  rate: number;
  errorStdDev: number;
}

/**
 * Croston: smooth the size of each sale and the interval between sales separately (updated only on
 * days with a sale); the daily rate is size ÷ interval. SBA multiplies by (1 − α/2) to remove
 * Croston's known upward bias.
 *
 * Started at the series' averages (mean sale size, ADI) rather than at the first sale: a history
 * usually begins at a listing's first sale, so the first "interval" would be a meaningless 1 that
 * a small α takes months to forget. The first sale then only marks where intervals start counting.
 */
export function crostonRate(values: ArrayLike<number>, alpha: number, variant: 'croston' | 'sba'): CrostonFit {
  let sales = 0;
  let volume = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > 0) {
      sales++;
      volume += values[i]!;
    }
  }
  if (sales === 0) return { rate: 0, errorStdDev: 0 };
  const bias = variant === 'sba' ? 1 - alpha / 2 : 1;
  let size = volume / sales;
  let interval = values.length / sales;
  let sinceLast = 0;
  let started = false;
  let sq = 0;
  let errors = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    sinceLast++;
    if (started) {
      const err = y - (bias * size) / interval;
      sq += err * err;
      errors++;
    }
    if (y <= 0) continue;
    if (started) {
      size += alpha * (y - size);
      interval += alpha * (sinceLast - interval);
    }
    started = true;
    sinceLast = 0;
  }
  return { rate: (bias * size) / interval, errorStdDev: errors > 0 ? Math.sqrt(sq / errors) : 0 };
}
