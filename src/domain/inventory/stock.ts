/** Stock of one sku at one location (SPEC §2). */
export interface StockLevel {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  protected: number;
  safetyStock: number;
}

/** What may be promised to a new order: never negative, even when counts drift below reservations. */
export function sellable(s: Pick<StockLevel, 'onHand' | 'reserved' | 'protected'>): number {
  return Math.max(0, s.onHand - s.reserved - s.protected);
}

export type AdjustmentOutcome =
  | { kind: 'adjusted'; before: number; after: number }
  | { kind: 'clamped'; before: number; after: number; requested: number };

/**
 * On-hand after an adjustment. A shrink larger than what we think is there means our count was
 * wrong: on-hand stops at zero and the outcome says so, so a discrepancy can be raised.
 */
export function applyAdjustment(onHand: number, delta: number): AdjustmentOutcome {
  const after = onHand + delta;
  if (after < 0) return { kind: 'clamped', before: onHand, after: 0, requested: delta };
  return { kind: 'adjusted', before: onHand, after };
}
