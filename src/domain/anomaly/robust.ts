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

/**
 * A sample that grows one value at a time and is kept sorted, so that scoring each new value against
 * all before it (every order against the orders before it) does not sort the whole history again per
 * value: the median is read off the middle, and the MAD is the middle of two already-sorted runs of
 * deviations (below and above the median), found by binary search. Gives exactly what `robustZ` gives
 * for the same values.
 */
export class SortedSample {
  private readonly v: number[] = [];

  get size(): number {
    return this.v.length;
  }

  add(x: number): void {
    let lo = 0;
    let hi = this.v.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.v[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    this.v.splice(lo, 0, x);
  }

  robustZ(value: number, minScale: number): RobustZ {
    const v = this.v;
    const n = v.length;
    if (n === 0) return robustZ(value, v, minScale);
    const mid = n >> 1;
    const center = n % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
    // Deviations below the center, nearest first, and above it, nearest first: each run is sorted.
    let split = 0;
    let hi = n;
    while (split < hi) {
      const m = (split + hi) >> 1;
      if (v[m]! < center) split = m + 1;
      else hi = m;
    }
    const below = (i: number) => Math.abs(v[split - 1 - i]! - center);
    const above = (i: number) => Math.abs(v[split + i]! - center);
    const nBelow = split;
    const nAbove = n - split;
    // The k-th smallest (0-based) deviation: take i from `below` and k+1-i from `above`.
    const kth = (k: number): number => {
      let lo = Math.max(0, k + 1 - nAbove);
      let top = Math.min(nBelow, k + 1);
      while (lo < top) {
        const i = (lo + top) >> 1;
        const j = k + 1 - i;
        if (j > 0 && below(i) < above(j - 1)) lo = i + 1;
        else top = i;
      }
      const j = k + 1 - lo;
      return Math.max(lo > 0 ? below(lo - 1) : -Infinity, j > 0 ? above(j - 1) : -Infinity);
    };
    const mad = n % 2 === 1 ? kth(mid) : (kth(mid - 1) + kth(mid)) / 2;
    const scale = Math.max(1.4826 * mad, minScale);
    return { center, scale, z: (value - center) / scale };
  }
}
