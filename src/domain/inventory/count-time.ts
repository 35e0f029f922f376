/**
 * Stock counts by the time they were taken, not by when they arrived. A handheld that syncs at 15:00
 * a count taken at 09:00 must not bring back what shipped at 10:00; a count older than the one a
 * row holds says nothing new about it.
 */

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

/** An adjustment that happened before the row's count was taken is already in that count. */
export function adjustmentSuperseded(row: CountTimes | undefined, happened: number): number | null {
  return row?.countedMs !== null && row?.countedMs !== undefined && happened < row.countedMs ? row.countedMs : null;
}
