/**
 * Stock counts by the time they were taken, not by when they arrived. A handheld that syncs at 15:00
 * a count taken at 09:00 must not bring back what shipped at 10:00; a count older than the one a
 * row holds says nothing new about it.
 */
import type { CountLine } from './stock.js';

/** What a stock row holds about time: when its count was taken (null: never counted) and when on-hand last moved otherwise. */
export interface CountTimes {
  countedMs: number | null;
  movedMs: number | null;
}

/**
 * When a count (or an adjustment) happened, as far as we can tell: the sender's time, but never
 * after it reached us — a sender's clock running ahead must not make its count newer than the
 * movements booked before it arrived, nor an adjustment newer than a later count.
 */
export function happenedMs(occurredAt: string, receivedMs: number): number {
  const sent = Date.parse(occurredAt);
  return Number.isFinite(sent) ? Math.min(sent, receivedMs) : receivedMs;
}

export type CountTiming =
  /** Taken after every movement booked on the row (or a new row): the count is what is there. */
  | { kind: 'current' }
  /** The row holds a count taken later: this one is not applied. */
  | { kind: 'stale'; countedMs: number }
  /** Taken before movements booked since, all journaled after the row's count: add them to it. */
  | { kind: 'roll_forward' }
  /**
   * Taken before movements we cannot tell apart — the row was never counted (nothing journaled them),
   * or the count is older than the journal keeps — a person decides.
   */
  | { kind: 'unknown'; movedMs: number };

/**
 * How a count line taken at `takenMs` applies to a row, given that the journal holds every movement
 * from `journalFromMs` on (older ones are pruned, see the stock-journal-retention job). A tie with the row's count or last movement
 * counts as after it: in arrival order, as before (and a count and a movement in the same
 * millisecond cannot be told apart anyway).
 */
export function countTiming(row: CountTimes | undefined, takenMs: number, journalFromMs = Number.NEGATIVE_INFINITY): CountTiming {
  if (!row) return { kind: 'current' };
  if (row.countedMs !== null && takenMs < row.countedMs) return { kind: 'stale', countedMs: row.countedMs };
  if (row.movedMs === null || takenMs >= row.movedMs) return { kind: 'current' };
  // The journal keeps movements from `journalFromMs` on: one taken before that cannot be rolled forward whole.
  return row.countedMs !== null && takenMs >= journalFromMs ? { kind: 'roll_forward' } : { kind: 'unknown', movedMs: row.movedMs };
}

/** A count rolled forward by the on-hand moved since it was taken (never below zero: a shelf holds no negative units). */
export function rolledForward(counted: number, movedSince: number): number {
  return Math.max(0, counted + movedSince);
}

/** What a row held when a count line came: its on-hand and reservations, and its times. */
export type HeldRow = CountTimes & { onHand: number; reserved: number };

/** How each sku of a count applies (countTiming), judged on the rows as they were before any line is written. */
export function countTimings(counts: readonly CountLine[], held: ReadonlyMap<string, CountTimes>, takenMs: number, journalFrom: number): Map<string, CountTiming> {
  const timing = new Map<string, CountTiming>();
  for (const c of counts) if (!timing.has(c.sku)) timing.set(c.sku, countTiming(held.get(c.sku), takenMs, journalFrom));
  return timing;
}

/** The skus whose count is rolled forward: the journal is read for these alone. */
export const lateSkus = (timing: ReadonlyMap<string, CountTiming>): string[] => [...timing].filter(([, t]) => t.kind === 'roll_forward').map(([sku]) => sku);

/**
 * A count's lines sorted by when it was taken against each row: the lines to apply (a late one
 * rolled forward by `moved`, what the journal booked for its sku after it was taken), and, for the
 * audit trail and inventory control, the lines stale against a later count, those rolled forward,
 * and those taken before movements nobody journaled (never applied blindly: a person decides).
 */
export function countedLines(counts: readonly CountLine[], timing: ReadonlyMap<string, CountTiming>, moved: ReadonlyMap<string, number>, held: ReadonlyMap<string, HeldRow>) {
  const lines: CountLine[] = [];
  const lastOf = new Map<string, number>();
  for (const c of counts) lastOf.set(c.sku, c.onHand);
  for (const c of counts) {
    const t = timing.get(c.sku)!;
    if (t.kind === 'current') lines.push(c);
    else if (t.kind === 'roll_forward') lines.push({ ...c, onHand: rolledForward(c.onHand, moved.get(c.sku) ?? 0) });
  }
  const stale: Array<{ sku: string; counted: number; countedMs: number }> = [];
  const rolled: Array<{ sku: string; counted: number; movedSince: number }> = [];
  const unknown: Array<{ sku: string; counted: number; onHand: number; reserved: number; movedMs: number }> = [];
  for (const [sku, t] of timing) {
    const counted = lastOf.get(sku)!;
    const row = held.get(sku);
    if (t.kind === 'stale') stale.push({ sku, counted, countedMs: t.countedMs });
    if (t.kind === 'roll_forward') rolled.push({ sku, counted, movedSince: moved.get(sku) ?? 0 });
    if (t.kind === 'unknown') unknown.push({ sku, counted, onHand: row?.onHand ?? 0, reserved: row?.reserved ?? 0, movedMs: t.movedMs });
  }
  return { lines, stale, rolled, unknown };
}
