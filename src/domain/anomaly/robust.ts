/**
 * Median and MAD instead of mean and standard deviation: the history a baseline is taken from
 * contains the very anomalies (promotions, stock-outs, fraud bursts) we look for, and a single one
 * would drag a mean and inflate a standard deviation enough to hide the next.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** 1.4826 · MAD estimates the standard deviation for normal data, so z-scores read as usual. */
export function robustScale(values: readonly number[], center: number, minScale: number): number {
  const mad = median(values.map((v) => Math.abs(v - center)));
  return Math.max(1.4826 * mad, minScale);
}

export interface RobustZ {
  readonly center: number;
  readonly scale: number;
  readonly z: number;
}

export function robustZ(value: number, baseline: readonly number[], minScale: number): RobustZ {
  const center = median(baseline);
  const scale = robustScale(baseline, center, minScale);
  return { center, scale, z: (value - center) / scale };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
