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

/**
 * Protected stock is kept for walk-in customers out of the units no order has reserved: never more
 * than those. Reserving protected units on approval (`reserveIncludingProtected`) re-checks
 * on_hand − reserved − protected ≥ 0 under the row lock, so a protected quantity above what is
 * unreserved made every approved reallocation there fail and retry until it was dead-lettered.
 */
export function protectedWithin(wanted: number, onHand: number, reserved: number): number {
  return Math.max(0, Math.min(wanted, onHand - reserved));
}

/** Units reserved for orders beyond what is on hand: orders that will be short there (0 when covered). */
export function reservedShort(onHand: number, reserved: number): number {
  return Math.max(0, reserved - onHand);
}

export type AdjustmentOutcome =
  | { kind: 'adjusted'; before: number; after: number; protected: number; short: number }
  | { kind: 'clamped'; before: number; after: number; protected: number; short: number; requested: number };

/**
 * Stock after an adjustment. A shrink larger than what we think is there means our count was
 * wrong: on-hand stops at zero and the outcome says so. Reserved units are never dropped (they are
 * orders' claims, released or shipped by those orders); when on-hand falls below them, `short` says
 * by how much, for inventory control to act on. Protected stock shrinks with what is unreserved.
 */
export function applyAdjustment(level: Pick<StockLevel, 'onHand' | 'reserved' | 'protected'>, delta: number): AdjustmentOutcome {
  const requested = level.onHand + delta;
  const after = Math.max(0, requested);
  const rest = { before: level.onHand, after, protected: protectedWithin(level.protected, after, level.reserved), short: reservedShort(after, level.reserved) };
  return requested < 0 ? { kind: 'clamped', ...rest, requested: delta } : { kind: 'adjusted', ...rest };
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

type HeldLevel = Pick<StockLevel, 'onHand' | 'reserved' | 'protected' | 'safetyStock'>;

const sameCounted = (a: Pick<StockLevel, 'onHand' | 'protected' | 'safetyStock'>, b: Pick<StockLevel, 'onHand' | 'protected' | 'safetyStock'>) =>
  a.onHand === b.onHand && a.protected === b.protected && a.safetyStock === b.safetyStock;

/**
 * What a snapshot changes, given the levels held before it: the counted quantities of each sku that
 * end different from what was held, in the order the skus first changed. Lines are applied in
 * order, so a sku counted twice ends as its later line says (even when that is what was held), and
 * a quantity a line leaves out is kept from the line before (or from what was held; 0 for a new
 * sku). Reservations stay: protected stock is held within what they leave (protectedWithin).
 */
export function countedLevels(held: ReadonlyMap<string, HeldLevel>, lines: readonly CountLine[]): CountedLevel[] {
  return countedLevelsAll(held, lines).filter((l) => {
    const before = held.get(l.sku);
    return !before || !sameCounted(before, l);
  });
}

/** countedLevels with the lines that only confirm what was held: every sku the lines count, as it ends. */
export function countedLevelsAll(held: ReadonlyMap<string, HeldLevel>, lines: readonly CountLine[]): CountedLevel[] {
  const written = new Map<string, CountedLevel>();
  for (const c of lines) {
    const now = written.get(c.sku) ?? held.get(c.sku);
    const reserved = held.get(c.sku)?.reserved ?? 0;
    written.set(c.sku, {
      sku: c.sku,
      onHand: c.onHand,
      protected: protectedWithin(c.protected ?? now?.protected ?? 0, c.onHand, reserved),
      safetyStock: c.safetyStock ?? now?.safetyStock ?? 0,
    });
  }
  return [...written.values()];
}

/** Skus whose counted on-hand is below what orders have reserved there, and by how much. */
export function countedShort(held: ReadonlyMap<string, HeldLevel>, counted: readonly CountedLevel[]): Array<{ sku: string; onHand: number; reserved: number; short: number }> {
  const out: Array<{ sku: string; onHand: number; reserved: number; short: number }> = [];
  for (const l of counted) {
    const reserved = held.get(l.sku)?.reserved ?? 0;
    const short = reservedShort(l.onHand, reserved);
    if (short > 0) out.push({ sku: l.sku, onHand: l.onHand, reserved, short });
  }
  return out;
}
