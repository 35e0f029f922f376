/**
 * Stock rows as the store books them (src/store/repos/stock.ts), held in memory: what the policy
 * backtest replays the log into, so the stock it routes on is the stock live routing saw. Every
 * decision about time is the live one — countTiming / countedLines for a count, movementSuperseded
 * and journaled for a movement, applyAdjustment and tillTakes for how much moves — only the keeping
 * (a row's fields, its journal) is done here instead of in SQL.
 */
import type { CountLine, StockLevel } from './stock.js';
import { applyAdjustment, countedLevelsAll } from './stock.js';
import { countedLines, countTimings, lateSkus } from './count-time.js';
import { journaled, movementSuperseded } from './movement-time.js';

/** One row: its levels, when its count was taken, when on-hand last moved and units last came in, and its journal since the count. */
export interface BookedRow extends StockLevel {
  countedMs: number | null;
  movedMs: number | null;
  receivedMs: number | null;
  journal: Array<{ ms: number; delta: number }>;
}

export const bookedRow = (sku: string, locationId: string): BookedRow => ({
  sku, locationId, onHand: 0, reserved: 0, protected: 0, safetyStock: 0, countedMs: null, movedMs: null, receivedMs: null, journal: [],
});

/** What moved on-hand at `ms` leaves behind: the row's last movement, and a journal line after its count. */
function noteMoved(row: BookedRow, delta: number, ms: number): void {
  if (row.movedMs === null || row.movedMs < ms) row.movedMs = ms;
  if (journaled(row, ms)) row.journal.push({ ms, delta });
}

/**
 * A count of one location (its rows by sku; a row is made for a sku new there): applied as the live
 * handler applies it — current lines as counted, late ones rolled forward by the journal, stale and
 * unknown ones not at all — the applied rows' count time moved on and their journal pruned up to it.
 */
export function bookCount(rowOf: (sku: string) => BookedRow | undefined, make: (sku: string) => BookedRow, counts: readonly CountLine[], takenMs: number, journalFrom: number) {
  const held = new Map<string, BookedRow>();
  for (const c of counts) {
    const row = rowOf(c.sku);
    if (row) held.set(c.sku, row);
  }
  const timing = countTimings(counts, held, takenMs, journalFrom);
  const moved = new Map<string, number>();
  for (const sku of lateSkus(timing)) moved.set(sku, held.get(sku)!.journal.reduce((n, m) => (m.ms > takenMs ? n + m.delta : n), 0));
  const sorted = countedLines(counts, timing, moved, held);
  for (const l of countedLevelsAll(held, sorted.lines)) {
    const row = held.get(l.sku) ?? make(l.sku);
    Object.assign(row, { onHand: l.onHand, protected: l.protected, safetyStock: l.safetyStock, countedMs: takenMs });
    row.journal = row.journal.filter((m) => m.ms > takenMs);
  }
  return sorted;
}

/** An adjustment that happened at `ms`: not applied when the row's count already saw it (that count's time). */
export function bookAdjustment(row: BookedRow, delta: number, ms: number): number | null {
  const countedMs = movementSuperseded(row, ms);
  if (countedMs !== null) return countedMs;
  const outcome = applyAdjustment(row, delta);
  const moved = outcome.after - row.onHand;
  row.onHand = outcome.after;
  row.protected = outcome.protected;
  if (moved !== 0) {
    noteMoved(row, moved, ms);
    // Units put on the shelf: someone had them in hand there (a failed location may come back).
    if (moved > 0 && (row.receivedMs === null || row.receivedMs < ms)) row.receivedMs = ms;
  }
  return null;
}

/**
 * Reserved units leaving (a shipment, a transfer out) at `ms`: the reservation is over either way;
 * on-hand drops unless the row's count already saw them gone (that count's time is answered).
 */
export function bookShipped(row: BookedRow, qty: number, ms: number): number | null {
  const countedMs = movementSuperseded(row, ms);
  if (countedMs === null) row.onHand = row.onHand >= qty ? row.onHand - qty : 0;
  row.reserved = row.reserved >= qty ? row.reserved - qty : 0;
  if (row.movedMs === null || row.movedMs < ms) row.movedMs = ms;
  if (countedMs === null && journaled(row, ms)) row.journal.push({ ms, delta: -qty });
  return countedMs;
}

/**
 * Goods in (a receipt, a transfer in) at `ms`, booked at `bookedMs`: added unless the row's count
 * already holds them (that count's time is answered); either way someone had them in hand when
 * they were booked.
 */
export function bookReceived(row: BookedRow, qty: number, ms: number, bookedMs: number): number | null {
  const countedMs = movementSuperseded(row, ms);
  if (countedMs === null) row.onHand += qty;
  if (row.movedMs === null || row.movedMs < ms) row.movedMs = ms;
  if (row.receivedMs === null || row.receivedMs < bookedMs) row.receivedMs = bookedMs;
  if (countedMs === null && journaled(row, ms)) row.journal.push({ ms, delta: qty });
  return countedMs;
}

/** Units sold at the till taken off at `ms` (what tillTakes found free; protected stock stays within what is left unreserved). */
export function bookTakenOff(row: BookedRow, qty: number, ms: number): void {
  row.onHand -= qty;
  row.protected = Math.min(row.protected, Math.max(0, row.onHand - row.reserved));
  noteMoved(row, -qty, ms);
}

/**
 * Drops what the rows' journals hold from before `journalFrom` (the horizon, as the live prune job's):
 * a count taken behind it is never rolled forward, and one taken after sums only movements after it,
 * so those lines can never count again. Without it a row counted once and then moved through a long
 * replay would keep every movement in memory.
 */
export function pruneJournals(rows: Iterable<BookedRow>, journalFrom: number): void {
  if (!Number.isFinite(journalFrom)) return;
  // Movements come in any order of their times: every line is looked at.
  for (const row of rows) if (row.journal.some((m) => m.ms < journalFrom)) row.journal = row.journal.filter((m) => m.ms >= journalFrom);
}
