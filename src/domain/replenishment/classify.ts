/**
 * Syntetos–Boylan demand classes. Smoothing of the daily series suits sellers that sell most days;
 * for sellers with long gaps it chases the last sale, so those are forecast by Croston/SBA instead.
 */
export type DemandClass = 'smooth' | 'erratic' | 'intermittent' | 'lumpy' | 'no_demand';

export const DEMAND_CLASSES: readonly DemandClass[] = ['smooth', 'erratic', 'intermittent', 'lumpy', 'no_demand'];

export interface DemandClassification {
  demandClass: DemandClass;
  /** Average demand interval: days per day with a sale. */
  adi: number;
  /** Squared coefficient of variation of the non-zero quantities. */
  cv2: number;
}

export function classifyDemand(values: ArrayLike<number>, cutoffs: { adiCutoff: number; cv2Cutoff: number }): DemandClassification {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v <= 0) continue;
    n++;
    sum += v;
    sumSq += v * v;
  }
  if (n === 0) return { demandClass: 'no_demand', adi: Infinity, cv2: 0 };
  const adi = values.length / n;
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  const cv2 = variance / (mean * mean);
  const intermittent = adi >= cutoffs.adiCutoff;
  const variable = cv2 >= cutoffs.cv2Cutoff;
  const demandClass: DemandClass = intermittent ? (variable ? 'lumpy' : 'intermittent') : variable ? 'erratic' : 'smooth';
  return { demandClass, adi, cv2 };
}

/** Regular sellers are smoothed day by day; the others by Croston/SBA. */
export function isRegular(c: DemandClass): boolean {
  return c === 'smooth' || c === 'erratic';
}
