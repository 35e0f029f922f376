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

/** One count line of a location's snapshot: on-hand replaces ours; protected and safety stock only when given. */
export interface CountLine {
  sku: string;
  onHand: number;
  protected?: number;
  safetyStock?: number;
}

/** What a snapshot writes for one sku: the three counted quantities (reservations stay as they are). */
export type CountedLevel = Pick<StockLevel, 'sku' | 'onHand' | 'protected' | 'safetyStock'>;

/**
 * What a snapshot changes, given the levels held before it: the counted quantities of each sku
 * whose line differs from what was held (a line equal to it changes nothing), in the order the skus
 * first changed. Lines are applied in order, so a sku counted twice ends as its later line says,
 * and a quantity a line leaves out is kept from the line before (or from what was held; 0 for a new
 * sku) — the same end state as writing each changed line in turn.
 */
export function countedLevels(held: ReadonlyMap<string, Pick<StockLevel, 'onHand' | 'protected' | 'safetyStock'>>, lines: readonly CountLine[]): CountedLevel[] {
  const written = new Map<string, CountedLevel>();
  for (const c of lines) {
    const before = held.get(c.sku);
    if (before && before.onHand === c.onHand && (c.protected === undefined || c.protected === before.protected) && (c.safetyStock === undefined || c.safetyStock === before.safetyStock)) continue;
    const now = written.get(c.sku) ?? before;
    written.set(c.sku, { sku: c.sku, onHand: c.onHand, protected: c.protected ?? now?.protected ?? 0, safetyStock: c.safetyStock ?? now?.safetyStock ?? 0 });
  }
  return [...written.values()];
}
