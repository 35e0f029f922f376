/**
 * How far back the stock journal reaches (docs/orders.md, "Stock counts"): the movements booked
 * after a row's count are kept `journalDays` (config `stock`), then pruned. Behind that horizon
 * nothing is decided by time any more — a count taken there is not rolled forward but goes to a
 * person, and a movement dated there is timed at the horizon (movement-time.ts).
 */

/** The journal's setting that matters to a decision (the prune batch is operational only). */
export interface JournalReach {
  journalDays: number;
}

/** The instant from which the journal still holds every movement; without a setting, all the way back. */
export const journalFromMs = (journal: JournalReach | undefined, nowMs: number): number =>
  journal ? nowMs - journal.journalDays * 86_400_000 : Number.NEGATIVE_INFINITY;
